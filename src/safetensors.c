/* safetensors.c: safetensors header reader (being written). */
#include <stdlib.h>

#include "internal.h"

int
lr_safetensors_read(const char *path, lr_weights_info *info, lr_error *err)
{
    (void)info;
    lr_err_set(err, path, "", "safetensors reading is not implemented yet");
    return -1;
}

void
lr_weights_info_free(lr_weights_info *info)
{
    if (!info)
        return;
    for (size_t i = 0; i < info->ntensors; i++) {
        free(info->tensors[i].name);
        free(info->tensors[i].dtype);
    }
    free(info->tensors);
    free(info->arch);
    free(info->config_json);
}
