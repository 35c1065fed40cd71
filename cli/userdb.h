/* userdb.h: where the user's module database lives, and small file tests. */
#ifndef LR_USERDB_H
#define LR_USERDB_H

#include <stddef.h>

/* --module-db PATH, else $LLMROOF_MODULE_DB, else
 * $HOME/.local/share/llmroof/modules.json; NULL without HOME. Static. */
const char *cli_user_module_db(void);
/* The user database to layer over the profile: the path above when it
 * was given explicitly or exists; else NULL. */
const char *cli_user_module_db_to_load(void);
/* $LLMROOF_HARDWARE_DIR, else $HOME/.local/share/llmroof/hardware (beside
 * the default module database): *.json files of devices laid over the
 * bundled table. NULL when unset and no HOME. Static. */
const char *cli_user_hardware_dir(void);
/* $LLMROOF_EFFICIENCY_DIR, else $HOME/.local/share/llmroof/efficiency:
 * calibrations (`llmroof calibrate --save`) laid over every profile's
 * efficiency data, in file-name order. NULL when unset and no HOME. */
const char *cli_user_efficiency_dir(void);
/* Set by `modules add`, which creates the database: a missing one is fine. */
extern int cli_user_db_may_be_missing;
int cli_is_dir(const char *path);
int cli_is_file(const char *path);
/* Creates the directories above `path` (mkdir -p of its dirname). */
int cli_make_parent_dir(const char *path);

/* Runs the module analyzer for one class (cmd_modules.c); an exit code. */
int cli_analyze_class(const char *cls, const char *source_text, const char *const *subs,
                      size_t nsub, int force);

#endif
