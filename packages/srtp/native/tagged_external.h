/* A handle handed to JS as a tagged external: a forged or foreign external is refused, not cast. */
#ifndef CONFAB_TAGGED_EXTERNAL_H
#define CONFAB_TAGGED_EXTERNAL_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>

/* The pointer inside `v` if it is an external carrying `tag`, else NULL. */
static inline void *tagged_external(napi_env env, napi_value v, const napi_type_tag *tag) {
  napi_valuetype t;
  bool tagged = false;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  if (napi_check_object_type_tag(env, v, tag, &tagged) != napi_ok || !tagged) return NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

#endif
