/* kouan — configuration.
 *
 * One INI file (read with libinih) with sections [broker], [database],
 * [client] and one [party.NAME] per party.  Every option is listed once in the
 * option table of config.c with its type, bounds, default and whether a reload
 * (SIGHUP) may change it; conf/kouan.conf.sample shows every option at its
 * default and a unit test checks the two against each other.  Errors name the
 * file and line.  Relative paths are taken from the directory of the file.
 */
#ifndef KN_CONFIG_H
#define KN_CONFIG_H

#include "party.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct kn_config kn_config_t;

typedef enum { KN_OPT_STRING, KN_OPT_PATH, KN_OPT_INT, KN_OPT_BOOL, KN_OPT_ENUM } kn_opt_type_t;

/* One row of the option table. */
typedef struct {
    const char *section; /* "broker", "database", "client", or "party.*" for every party */
    const char *name;    /* option name */
    kn_opt_type_t type;  /* how the value is read */
    const char *def;     /* default as written in the file; NULL = required */
    int64_t min, max;    /* bounds for KN_OPT_INT */
    const char *choices; /* "a|b|c" for KN_OPT_ENUM */
    bool reloadable;     /* may change on SIGHUP without a restart */
    const char *help;    /* one line, shown in the sample file */
} kn_option_t;

/* A configured party.  Strings are owned by the config. */
typedef struct {
    const char *name;            /* from [party.NAME] */
    kn_role_t role;              /* terminal, customs or tax */
    const char *format;          /* adapter format name */
    const char *public_key_file; /* absolute path */
    uint8_t public_key[32];      /* CURVE public key read from that file */
    int line;                    /* line of the section header, for messages */
} kn_party_conf_t;

/* Checks a value where the table cannot (e.g. a format name against the adapter
 * registry).  Returns 0, or -1 with a reason written into why. */
typedef int (*kn_config_check_fn)(const char *section, const char *name, const char *value,
                                  const char *party_role, char *why, size_t why_size);

/* The option table, terminated by a row whose name is NULL. */
const kn_option_t *kn_config_options(void);

/* A config holding every default; NULL on no memory. */
kn_config_t *kn_config_new(void);

void kn_config_destroy(kn_config_t **self);

/* Install a checker called for every option value read (may be NULL). */
void kn_config_set_check(kn_config_t *self, kn_config_check_fn check);

/* Read path into self.  Returns 0, or KN_ECONFIG with "file:line: reason"
 * written into errbuf (the first error; the config is then unusable). */
int kn_config_load(kn_config_t *self, const char *path, char *errbuf, size_t errsize);

/* The file that was loaded, or NULL. */
const char *kn_config_path(const kn_config_t *self);

/* Value of a singleton-section option; asserts the option is in the table
 * with that type.  Strings are borrowed; paths are absolute or "" when empty. */
const char *kn_config_str(const kn_config_t *self, const char *section, const char *name);
int64_t kn_config_int(const kn_config_t *self, const char *section, const char *name);
bool kn_config_bool(const kn_config_t *self, const char *section, const char *name);

/* Set a singleton option from a string as if read from a file (command-line
 * overrides).  Returns 0 or KN_ECONFIG with the reason in errbuf. */
int kn_config_set(kn_config_t *self, const char *section, const char *name, const char *value,
                  char *errbuf, size_t errsize);

/* The parties, in file order. */
size_t kn_config_party_count(const kn_config_t *self);
const kn_party_conf_t *kn_config_party(const kn_config_t *self, size_t i);

/* The party whose public key is key, or NULL. */
const kn_party_conf_t *kn_config_party_by_key(const kn_config_t *self, const uint8_t key[32]);

/* Names of the options whose values differ between a and b and that are not
 * reloadable, comma-separated into buf ("" when none). */
const char *kn_config_restart_needed(const kn_config_t *a, const kn_config_t *b, char *buf,
                                     size_t size);

/* Write a sample file showing every option at its default. */
void kn_config_write_sample(FILE *out);

#endif
