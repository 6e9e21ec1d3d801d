/* Entries named by generation-checked ids (id_registry.h). */
#include "id_registry.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define REGISTRY_MAX 0x10000
#define GENERATIONS 0x8000

static bool grow(IdRegistry *r) {
  int32_t capacity = r->capacity == 0 ? 256 : r->capacity * 2;
  if (capacity > REGISTRY_MAX) return false;
  void **slots = realloc(r->slots, sizeof *slots * (size_t)capacity);
  if (slots == NULL) return false;
  r->slots = slots;
  uint16_t *generations = realloc(r->generations, sizeof *generations * (size_t)capacity);
  if (generations == NULL) return false;
  r->generations = generations;
  int32_t *free_slots = realloc(r->free_slots, sizeof *free_slots * (size_t)capacity);
  if (free_slots == NULL) return false;
  r->free_slots = free_slots;
  memset(generations + r->capacity, 0, sizeof *generations * (size_t)(capacity - r->capacity));
  r->capacity = capacity;
  return true;
}

int32_t id_registry_add(IdRegistry *r, void *entry) {
  if (r == NULL) return -1;
  int32_t slot;
  if (r->free_count > 0) {
    slot = r->free_slots[--r->free_count];
  } else {
    if (r->used == r->capacity && !grow(r)) return -1;
    slot = r->used++;
  }
  r->slots[slot] = entry;
  return slot | (int32_t)r->generations[slot] << 16;
}

int id_registry_remove(IdRegistry *r, int32_t id, const void *entry) {
  if (id < 0 || r == NULL || id_registry_get(r, id) != entry || entry == NULL) return 0;
  int32_t slot = id & 0xffff;
  r->slots[slot] = NULL;
  r->generations[slot] = (uint16_t)((r->generations[slot] + 1) % GENERATIONS);
  r->free_slots[r->free_count++] = slot;
  return 1;
}

static void close_registry(void *arg) {
  EnvRegistry *owner = arg;
  IdRegistry *r = owner->registry;
  owner->registry = NULL;
  if (r == NULL) return;
  for (int32_t i = 0; i < r->used; i++)
    if (r->slots[i] != NULL) owner->each(r->slots[i]);
  free(r->slots);
  free(r->generations);
  free(r->free_slots);
  free(r);
}

napi_status id_registry_open(napi_env env, EnvRegistry *owner) {
  if (owner->registry != NULL) return napi_ok;
  owner->registry = calloc(1, sizeof *owner->registry);
  if (owner->registry == NULL) return napi_generic_failure;
  return napi_add_env_cleanup_hook(env, close_registry, owner);
}
