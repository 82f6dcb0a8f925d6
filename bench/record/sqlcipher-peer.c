/*
 * Peer for bench/record: SQLCipher itself (the reference implementation, OpenSSL crypto), keyed
 * SQLCipher 4 vs the same binary unkeyed, on the bench's bulk-insert workload: the patients table
 * and its indexes (schema file as argv[1]), prepared INSERTs, 1,000 rows per transaction, WAL,
 * synchronous=FULL, 5 rounds of 20,000 rows alternating. Prints one line with the medians.
 * Built and run by bench/record/run.ts where libsqlcipher-dev is installed.
 */
#include <sqlcipher/sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 5
#define ROWS 20000
#define BATCH 1000

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void run(sqlite3 *db, const char *sql) {
  char *error = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK) {
    fprintf(stderr, "sqlcipher-peer: %s\n", error ? error : "error");
    exit(1);
  }
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(1); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *buffer = malloc(n + 1);
  if (fread(buffer, 1, n, f) != (size_t)n) { perror(path); exit(1); }
  buffer[n] = 0;
  fclose(f);
  return buffer;
}

static long sequence = 0;

static double insert_round(sqlite3 *db, int round) {
  sqlite3_stmt *insert;
  if (sqlite3_prepare_v2(db, "INSERT INTO patients VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &insert, NULL) != SQLITE_OK) { fprintf(stderr, "prepare failed\n"); exit(1); }
  char id[64], mrn[32], given[32], family[32], givenKey[32], familyKey[32], email[64], address[64];
  double t0 = now();
  for (int from = 0; from < ROWS; from += BATCH) {
    run(db, "BEGIN");
    for (int i = from; i < from + BATCH; i++) {
      /* Time-ordered ids, as the app's UUIDv7 ids are. */
      snprintf(id, sizeof id, "0190%012ld-7000-8000-000000000000", sequence++);
      snprintf(mrn, sizeof mrn, "R%d-%d", round, i);
      snprintf(given, sizeof given, "Given%d", i);
      snprintf(family, sizeof family, "Family%d", i % 977);
      snprintf(givenKey, sizeof givenKey, "given%d", i);
      snprintf(familyKey, sizeof familyKey, "family%d", i % 977);
      snprintf(email, sizeof email, "p%d@example.org", i);
      snprintf(address, sizeof address, "%d Example Street", i);
      const char *text[] = {id, mrn, given, family, givenKey, familyKey, "1970-01-01", "unknown", "+1 555 0100", email, address};
      for (int k = 0; k < 11; k++) sqlite3_bind_text(insert, k + 1, text[k], -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(insert, 12, 0);
      sqlite3_bind_int64(insert, 13, 0);
      if (sqlite3_step(insert) != SQLITE_DONE) { fprintf(stderr, "insert failed: %s\n", sqlite3_errmsg(db)); exit(1); }
      sqlite3_reset(insert);
    }
    run(db, "COMMIT");
  }
  sqlite3_finalize(insert);
  return ROWS / (now() - t0);
}

static int ascending(const void *a, const void *b) {
  double d = *(const double *)a - *(const double *)b;
  return d < 0 ? -1 : d > 0;
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: sqlcipher-peer SCHEMA.sql DIR\n"); return 64; }
  char *schema = slurp(argv[1]);
  char encryptedPath[4096], plainPath[4096];
  snprintf(encryptedPath, sizeof encryptedPath, "%s/peer-encrypted.db", argv[2]);
  snprintf(plainPath, sizeof plainPath, "%s/peer-plain.db", argv[2]);
  sqlite3 *encrypted, *plain;
  if (sqlite3_open(encryptedPath, &encrypted) != SQLITE_OK || sqlite3_open(plainPath, &plain) != SQLITE_OK) { fprintf(stderr, "open failed\n"); return 1; }
  /* A fixed raw key: a throw-away benchmark file. */
  run(encrypted, "PRAGMA key = \"x'2DD29CA851E7B56E4697B0E1F08507293D761A05CE4D1B628663F411A8086D99'\"");
  sqlite3_stmt *version;
  sqlite3_prepare_v2(encrypted, "PRAGMA cipher_version", -1, &version, NULL);
  char cipher[64] = "?";
  if (sqlite3_step(version) == SQLITE_ROW) snprintf(cipher, sizeof cipher, "%s", (const char *)sqlite3_column_text(version, 0));
  sqlite3_finalize(version);
  const char *settings = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;";
  run(encrypted, settings);
  run(plain, settings);
  run(encrypted, schema);
  run(plain, schema);
  double e[ROUNDS], p[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    if (r % 2) { p[r] = insert_round(plain, r); e[r] = insert_round(encrypted, r); }
    else { e[r] = insert_round(encrypted, r); p[r] = insert_round(plain, r); }
  }
  qsort(e, ROUNDS, sizeof(double), ascending);
  qsort(p, ROUNDS, sizeof(double), ascending);
  printf("{\"cipher\":\"%s\",\"encrypted\":%.0f,\"plain\":%.0f}\n", cipher, e[ROUNDS / 2], p[ROUNDS / 2]);
  sqlite3_close(encrypted);
  sqlite3_close(plain);
  return 0;
}
