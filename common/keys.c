#include "keys.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static int s_write_new(const char *path, const char *text, mode_t mode, char *errbuf,
                       size_t errsize)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        snprintf(errbuf, errsize, "cannot create %s: %s", path, strerror(errno));
        return KN_EIO;
    }
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int err = w < 0 ? errno : w != (ssize_t)len ? ENOSPC : 0;
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (err) {
        snprintf(errbuf, errsize, "cannot write %s: %s", path, strerror(err));
        unlink(path);
        return KN_EIO;
    }
    return 0;
}

int kn_keys_generate(const char *dir, const char *name, char *errbuf, size_t errsize)
{
    char pub[41], sec[41];
    if (zmq_curve_keypair(pub, sec) != 0) {
        snprintf(errbuf, errsize, "cannot generate a CURVE keypair: %s", zmq_strerror(errno));
        return KN_EINVAL;
    }
    char path[4096], text[64];
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    snprintf(text, sizeof text, "%s\n", sec);
    int rc = s_write_new(path, text, 0600, errbuf, errsize);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/%s.pub", dir, name);
    snprintf(text, sizeof text, "%s\n", pub);
    rc = s_write_new(path, text, 0644, errbuf, errsize);
    if (rc) {
        /* no half pair left behind to block the next attempt */
        snprintf(path, sizeof path, "%s/%s.key", dir, name);
        unlink(path);
    }
    return rc;
}

/* Read the first line of a key file: exactly 40 Z85 characters. */
static int s_read_z85(const char *path, char z85[41], char *errbuf, size_t errsize)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(errbuf, errsize, "cannot open key file %s: %s", path, strerror(errno));
        return KN_EIO;
    }
    char line[128];
    int rc = 0;
    if (!fgets(line, sizeof line, f)) {
        snprintf(errbuf, errsize, "key file %s is empty", path);
        rc = KN_EINVAL;
        goto out;
    }
    size_t len = strcspn(line, "\r\n");
    line[len] = '\0';
    uint8_t bin[32];
    if (len != KN_KEY_Z85_LEN || !zmq_z85_decode(bin, line)) {
        snprintf(errbuf, errsize, "key file %s does not hold a 40-character Z85 key", path);
        rc = KN_EINVAL;
        goto out;
    }
    memcpy(z85, line, 41);
out:
    fclose(f);
    return rc;
}

int kn_keys_read_public(const char *path, uint8_t key[32], char *z85, char *errbuf, size_t errsize)
{
    char text[41];
    int rc = s_read_z85(path, text, errbuf, errsize);
    if (rc)
        return rc;
    zmq_z85_decode(key, text);
    if (z85)
        memcpy(z85, text, 41);
    return 0;
}

int kn_keys_read_secret(const char *path, char *secret_z85, char *public_z85, char *errbuf,
                        size_t errsize)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(errbuf, errsize, "cannot open key file %s: %s", path, strerror(errno));
        return KN_EIO;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(errbuf, errsize,
                 "secret key file %s is open to group or others (mode %04o): chmod 600 it", path,
                 (unsigned)(st.st_mode & 07777));
        return KN_EINVAL;
    }
    int rc = s_read_z85(path, secret_z85, errbuf, errsize);
    if (rc)
        return rc;
    if (public_z85 && zmq_curve_public(public_z85, secret_z85) != 0) {
        snprintf(errbuf, errsize, "key file %s: cannot derive the public key", path);
        return KN_EINVAL;
    }
    return 0;
}

void kn_keys_z85(const uint8_t key[32], char z85[41])
{
    zmq_z85_encode(z85, key, 32);
}
