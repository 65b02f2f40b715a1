/* libFuzzer target for the configuration reader (libinih plus the option
 * table): the input is written to a scratch file and loaded; a load must
 * either succeed or fail with "file:line: reason".  Seeds: fuzz/corpus/config. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char s_path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_path[0]) {
        snprintf(s_path, sizeof s_path, "/tmp/kn-fuzz-config-%d.conf", (int)getpid());
    }
    FILE *f = fopen(s_path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    kn_config_t *cfg = kn_config_new();
    char err[1024];
    err[0] = '\0';
    if (cfg && kn_config_load(cfg, s_path, err, sizeof err) != 0 && !strstr(err, s_path))
        abort(); /* every refusal names the file */
    kn_config_destroy(&cfg);
    return 0;
}
