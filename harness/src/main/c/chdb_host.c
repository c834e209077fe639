/*
 * chdb-host: serves the ClickHouse HTTP interface from libchdb.so (chDB, embedded ClickHouse).
 *
 * Why a separate process: calling chdb_query_cmdline from a JVM (JNA) did not bring the HTTP
 * listener up, and ClickHouse installs process-wide signal handlers. A small native process is
 * the robust shape; EmbeddedClickHouse (Java) starts and stops it.
 *
 * Usage: chdb-host LIBCHDB_SO DATA_DIR HTTP_PORT [--clickhouse-option=value ...]
 *
 * Extra arguments are passed to ClickHouse as they are (e.g. --max_server_memory_usage=2000000000,
 * --max_threads=2, --logger.level=warning). The server lives until this process is killed
 * (SIGTERM/SIGKILL) or its parent process goes away.
 *
 * Exit codes: 0 served and ended, 2 usage, 3 library not loadable, 4 engine reported an error.
 *
 * Build: gcc -O2 -Wall -o chdb-host chdb_host.c -ldl -lpthread   (scripts/install-clickhouse.sh)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* From chdb.h (chdb 26.x): chdb_result is opaque. */
typedef struct chdb_result_opaque chdb_result;
typedef chdb_result *(*query_cmdline_fn)(int argc, char **argv);
typedef const char *(*result_error_fn)(chdb_result *);
typedef void (*destroy_result_fn)(chdb_result *);
typedef void (*signal_handlers_enabled_fn)(int enabled);

/* One row a second: ~31 years of serving. sleepEachRow costs no CPU. */
#define SERVE_QUERY                                                                              \
    "--query=SYSTEM START LISTEN HTTP; "                                                         \
    "SELECT sleepEachRow(1) FROM numbers(1000000000) "                                           \
    "SETTINGS max_block_size=1, function_sleep_max_microseconds_per_block=0, max_execution_time=0 " \
    "FORMAT Null"

static pid_t original_parent;

/*
 * Ends this process when the parent goes away (the parent is re-assigned, getppid() changes).
 * Polling rather than PR_SET_PDEATHSIG alone: PDEATHSIG fires when the parent *thread* that
 * forked us ends, which in a JVM can be any short-lived thread, not the JVM itself.
 */
static void *parent_watch(void *unused) {
    (void)unused;
    for (;;) {
        sleep(1);
        if (getppid() != original_parent) {
            fprintf(stderr, "chdb-host: parent %d is gone, exiting\n", (int)original_parent);
            fflush(stderr);
            _exit(0);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr,
                "usage: %s LIBCHDB_SO DATA_DIR HTTP_PORT [--clickhouse-option=value ...]\n",
                argv[0]);
        return 2;
    }
    const char *lib_path = argv[1];
    const char *data_dir = argv[2];
    const char *port = argv[3];
    char *end = NULL;
    long port_no = strtol(port, &end, 10);
    if (*port == '\0' || *end != '\0' || port_no < 1 || port_no > 65535) {
        fprintf(stderr, "chdb-host: HTTP_PORT must be 1..65535, got '%s'\n", port);
        return 2;
    }

    original_parent = getppid();
    pthread_t watcher;
    if (pthread_create(&watcher, NULL, parent_watch, NULL) != 0) {
        fprintf(stderr, "chdb-host: cannot start the parent watch thread: %s\n", strerror(errno));
        return 2;
    }
    pthread_detach(watcher);

    void *lib = dlopen(lib_path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "chdb-host: cannot load ClickHouse library '%s': %s\n", lib_path, dlerror());
        return 3;
    }
    query_cmdline_fn query_cmdline = (query_cmdline_fn)dlsym(lib, "chdb_query_cmdline");
    result_error_fn result_error = (result_error_fn)dlsym(lib, "chdb_result_error");
    destroy_result_fn destroy_result = (destroy_result_fn)dlsym(lib, "chdb_destroy_query_result");
    if (query_cmdline == NULL || result_error == NULL) {
        fprintf(stderr, "chdb-host: '%s' lacks chdb_query_cmdline/chdb_result_error (chdb >= 26 needed)\n",
                lib_path);
        return 3;
    }
    /* chDB's crash handlers sleep minutes before re-raising; a test harness wants a fast death. */
    signal_handlers_enabled_fn handlers = (signal_handlers_enabled_fn)dlsym(lib, "chdb_set_signal_handlers_enabled");
    if (handlers != NULL) {
        handlers(0);
    }

    size_t path_len = strlen(data_dir) + sizeof("--path=");
    char *path_arg = malloc(path_len);
    char port_arg[32];
    snprintf(path_arg, path_len, "--path=%s", data_dir);
    snprintf(port_arg, sizeof port_arg, "--http_port=%ld", port_no);

    int extra = argc - 4;
    char **ch_argv = calloc((size_t)(5 + extra + 1), sizeof(char *));
    int n = 0;
    ch_argv[n++] = "clickhouse"; /* program name: a stray positional argument is refused */
    ch_argv[n++] = path_arg;
    ch_argv[n++] = port_arg;
    ch_argv[n++] = "--listen_host=127.0.0.1";
    for (int i = 4; i < argc; i++) {
        ch_argv[n++] = argv[i];
    }
    ch_argv[n++] = SERVE_QUERY;
    ch_argv[n] = NULL;

    fprintf(stderr, "chdb-host: pid %d serving HTTP on 127.0.0.1:%ld, data in %s\n", (int)getpid(),
            port_no, data_dir);
    fflush(stderr);

    chdb_result *result = query_cmdline(n, ch_argv);
    const char *error = result == NULL ? "no result" : result_error(result);
    if (error != NULL && error[0] != '\0') {
        fprintf(stderr, "chdb-host: ClickHouse reported an error: %s\n", error);
        return 4;
    }
    if (destroy_result != NULL && result != NULL) {
        destroy_result(result);
    }
    fprintf(stderr, "chdb-host: serving query ended\n");
    return 0;
}
