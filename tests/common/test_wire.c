#include "runner.h"
#include "wire.h"

#include <string.h>
#include <zmq.h>

#define F(s)                                                                                       \
    {                                                                                              \
        (s), sizeof(s) - 1                                                                         \
    }

START_TEST(msg_decodes)
{
    kn_frame_t f[] = {F("KN1"), F("MSG"), F("m-001"), F("application/edifact"), F("UNB+...'")};
    kn_wire_t w;
    kn_error_t err;
    ck_assert_int_eq(kn_wire_decode(f, 5, &w, &err), 0);
    ck_assert_int_eq(w.cmd, KN_WIRE_MSG);
    ck_assert_int_eq(w.id.len, 5);
    ck_assert_mem_eq(w.id.data, "m-001", 5);
    ck_assert_mem_eq(w.content_type.data, "application/edifact", 19);
    ck_assert_int_eq(w.payload.len, 8);
}
END_TEST

START_TEST(msg_with_empty_payload_decodes)
{
    kn_frame_t f[] = {F("KN1"), F("MSG"), F("x"), F("application/xml"), {"", 0}};
    kn_wire_t w;
    kn_error_t err;
    ck_assert_int_eq(kn_wire_decode(f, 5, &w, &err), 0);
    ck_assert_int_eq(w.payload.len, 0);
}
END_TEST

START_TEST(wrong_version_refused)
{
    kn_frame_t f[] = {F("KN2"), F("MSG"), F("m1"), F("application/xml"), F("<a/>")};
    kn_wire_t w;
    kn_error_t err;
    ck_assert_int_eq(kn_wire_decode(f, 5, &w, &err), KN_EWIRE);
    ck_assert_str_eq(err.position, "frame 1");
    ck_assert_str_eq(err.message, "wire: protocol version is not KN1");
}
END_TEST

START_TEST(unknown_command_refused)
{
    kn_frame_t f[] = {F("KN1"), F("PUBLISH"), F("m1")};
    kn_wire_t w;
    kn_error_t err;
    ck_assert_int_eq(kn_wire_decode(f, 3, &w, &err), KN_EWIRE);
    ck_assert_str_eq(err.message, "wire: unknown command (7 bytes)");
}
END_TEST

START_TEST(too_few_frames_refused_but_id_kept)
{
    kn_frame_t f[] = {F("KN1"), F("MSG"), F("m-77"), F("application/xml")};
    kn_wire_t w;
    kn_error_t err;
    ck_assert_int_eq(kn_wire_decode(f, 4, &w, &err), KN_EWIRE);
    ck_assert_str_eq(err.message, "wire: MSG has 4 frames, expected 5");
    /* the NACK can still name the message */
    ck_assert_int_eq(w.id.len, 4);
    ck_assert_mem_eq(w.id.data, "m-77", 4);
}
END_TEST

START_TEST(single_frame_refused)
{
    kn_frame_t f[] = {F("hello")};
    kn_wire_t w;
    kn_error_t err;
    ck_assert_int_eq(kn_wire_decode(f, 1, &w, &err), KN_EWIRE);
    ck_assert_str_eq(err.message, "wire: 1 frame, a message has at least 3");
}
END_TEST

START_TEST(bad_ids_refused)
{
    kn_wire_t w;
    kn_error_t err;
    kn_frame_t space[] = {F("KN1"), F("MSG"), F("m 1"), F("application/xml"), F("x")};
    ck_assert_int_eq(kn_wire_decode(space, 5, &w, &err), KN_EWIRE);
    ck_assert_str_eq(err.position, "frame 3");
    kn_frame_t empty[] = {F("KN1"), F("MSG"), {"", 0}, F("application/xml"), F("x")};
    ck_assert_int_eq(kn_wire_decode(empty, 5, &w, &err), KN_EWIRE);
    char big[KN_WIRE_MAX_ID + 1];
    memset(big, 'a', sizeof big);
    kn_frame_t longid[] = {F("KN1"), F("MSG"), {big, sizeof big}, F("application/xml"), F("x")};
    ck_assert_int_eq(kn_wire_decode(longid, 5, &w, &err), KN_EWIRE);
    longid[2].len = KN_WIRE_MAX_ID;
    ck_assert_int_eq(kn_wire_decode(longid, 5, &w, &err), 0);
    ck_assert(!kn_wire_valid_id("a\x01", 2));
    ck_assert(kn_wire_valid_id("XHCT000101/1", 12));
}
END_TEST

START_TEST(bad_content_type_refused)
{
    kn_frame_t f[] = {F("KN1"), F("MSG"), F("m1"), {"", 0}, F("x")};
    kn_wire_t w;
    kn_error_t err;
    ck_assert_int_eq(kn_wire_decode(f, 5, &w, &err), KN_EWIRE);
    ck_assert_str_eq(err.position, "frame 4");
}
END_TEST

START_TEST(replies_decode)
{
    kn_wire_t w;
    kn_error_t err;
    kn_frame_t ack[] = {F("KN1"), F("ACK"), F("m1"), F("3")};
    ck_assert_int_eq(kn_wire_decode(ack, 4, &w, &err), 0);
    ck_assert_int_eq(w.cmd, KN_WIRE_ACK);
    ck_assert_mem_eq(w.code.data, "3", 1);
    ck_assert_int_eq(w.reason.len, 0);
    kn_frame_t ackw[] = {F("KN1"), F("ACK"), F("m1"), F("1"), F("CHECK_DIGIT")};
    ck_assert_int_eq(kn_wire_decode(ackw, 5, &w, &err), 0);
    ck_assert_int_eq(w.reason.len, 11);
    kn_frame_t nack[] = {F("KN1"), F("NACK"), F("m1"), F("PARSE"), F("segment 3 (BGM): ...")};
    ck_assert_int_eq(kn_wire_decode(nack, 5, &w, &err), 0);
    ck_assert_int_eq(w.cmd, KN_WIRE_NACK);
    ck_assert_mem_eq(w.code.data, "PARSE", 5);
    /* a NACK for a message whose id could not be read */
    kn_frame_t anon[] = {F("KN1"), F("NACK"), {"", 0}, F("WIRE"), F("broken")};
    ck_assert_int_eq(kn_wire_decode(anon, 5, &w, &err), 0);
    ck_assert_int_eq(w.id.len, 0);
    kn_frame_t outack[] = {F("KN1"), F("OUTACK"), F("ins-9")};
    ck_assert_int_eq(kn_wire_decode(outack, 3, &w, &err), 0);
    ck_assert_int_eq(w.cmd, KN_WIRE_OUTACK);
    kn_frame_t ready[] = {F("KN1"), F("READY")};
    ck_assert_int_eq(kn_wire_decode(ready, 2, &w, &err), 0);
    ck_assert_int_eq(w.cmd, KN_WIRE_READY);
    kn_frame_t ready_extra[] = {F("KN1"), F("READY"), F("x")};
    ck_assert_int_eq(kn_wire_decode(ready_extra, 3, &w, &err), KN_EWIRE);
    kn_frame_t outack_extra[] = {F("KN1"), F("OUTACK"), F("ins-9"), F("x")};
    ck_assert_int_eq(kn_wire_decode(outack_extra, 4, &w, &err), KN_EWIRE);
}
END_TEST

START_TEST(send_writes_frames)
{
    void *ctx = zmq_ctx_new();
    void *a = zmq_socket(ctx, ZMQ_PAIR), *b = zmq_socket(ctx, ZMQ_PAIR);
    ck_assert_int_eq(zmq_bind(a, "inproc://wire-test"), 0);
    ck_assert_int_eq(zmq_connect(b, "inproc://wire-test"), 0);
    kn_frame_t args[] = {F("m1"), F("application/xml"), F("<x/>")};
    ck_assert_int_eq(kn_wire_send(b, NULL, KN_WIRE_MSG, args, 3, 0), 0);
    const char *expect[] = {"KN1", "MSG", "m1", "application/xml", "<x/>"};
    for (int i = 0; i < 5; i++) {
        char buf[64];
        int n = zmq_recv(a, buf, sizeof buf, 0);
        ck_assert_int_eq(n, (int)strlen(expect[i]));
        ck_assert_mem_eq(buf, expect[i], (size_t)n);
        int more;
        size_t sz = sizeof more;
        zmq_getsockopt(a, ZMQ_RCVMORE, &more, &sz);
        ck_assert_int_eq(more, i < 4);
    }
    zmq_close(a);
    zmq_close(b);
    zmq_ctx_term(ctx);
}
END_TEST

Suite *kn_test_wire_suite(void);
Suite *kn_test_wire_suite(void)
{
    Suite *s = suite_create("wire");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, msg_decodes);
    tcase_add_test(tc, msg_with_empty_payload_decodes);
    tcase_add_test(tc, wrong_version_refused);
    tcase_add_test(tc, unknown_command_refused);
    tcase_add_test(tc, too_few_frames_refused_but_id_kept);
    tcase_add_test(tc, single_frame_refused);
    tcase_add_test(tc, bad_ids_refused);
    tcase_add_test(tc, bad_content_type_refused);
    tcase_add_test(tc, replies_decode);
    suite_add_tcase(s, tc);
    tc = tcase_create("send");
    tcase_add_test(tc, send_writes_frames);
    suite_add_tcase(s, tc);
    return s;
}
