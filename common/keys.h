/* kouan — CURVE key files.
 *
 * A public key file holds the 40-character Z85 text of a CURVE public key and a
 * newline; a secret key file holds the Z85 secret key and is mode 0600.  The
 * public key of a secret key is derived, so a party needs only its .key file
 * and the broker's .pub file.
 */
#ifndef KN_KEYS_H
#define KN_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KN_KEY_Z85_LEN 40

/* Write dir/name.pub and dir/name.key (0600) for a new keypair; refuses to
 * overwrite an existing file.  Returns 0 or a negative kn_err_t with the reason
 * in errbuf. */
int kn_keys_generate(const char *dir, const char *name, char *errbuf, size_t errsize);

/* Read a public key file into key (32 bytes) and, if z85 is not NULL, its text
 * (41 bytes).  Returns 0 or KN_EIO / KN_EINVAL with the reason in errbuf. */
int kn_keys_read_public(const char *path, uint8_t key[32], char *z85, char *errbuf, size_t errsize);

/* Read a secret key file (refused when group or others can read it) into z85
 * secret text (41 bytes) and its derived public text (41 bytes, may be NULL). */
int kn_keys_read_secret(const char *path, char *secret_z85, char *public_z85, char *errbuf,
                        size_t errsize);

/* Z85 text (41 bytes) of a 32-byte key. */
void kn_keys_z85(const uint8_t key[32], char z85[41]);

#endif
