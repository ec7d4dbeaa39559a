/*
 * lib/os/fake/inject.c: what every member call of the fake OS goes through:
 * the table of the primitives, the opening (argument and handle checks, the
 * lock, latency, fault injection) and the closing (the call log).
 *
 * Faults
 * ------
 * One fault at a time (terminus_fake_fail): the Nth call, counted from the
 * terminus_fake_fail() call, of one int-returning member (or of all of them
 * together with "*") fails, once or from then on. The failing call does
 * nothing else: it records the error with terminus_os_error(), is logged
 * with its code, and returns the code. Calls rejected for bad arguments
 * (a NULL pointer, a handle of another fake or of another kind) fail with
 * E_INVALID before the fault is consulted; they are neither counted nor
 * logged. terminus_fake_faults_fired() counts the failures the current fault
 * made; it stays readable after terminus_fake_fail_clear() and restarts at 0
 * with the next terminus_fake_fail().
 *
 * Latency
 * -------
 * Each call of an int-returning member first charges the virtual time its
 * primitive is set to cost (terminus_fake_set_latency), 0 by default.
 *
 * The call log
 * ------------
 * Every member call except clock_us and self_pid appends one line; void
 * members have no "= code"; a NULL string shows as NULL:
 *     process_open(42) = 0                  process_close(42)
 *     process_status(42) = 0 [running]      process_status(42) = 0 [exited 3]
 *     process_request(42, "msg") = 0        process_kill(42, 1) = -3
 *     wait_open(2 procs) = 0                wait_close(2 procs)
 *     wait_any(2 procs, 5000 ms) = 0 [1 ready]
 *     exit_process(3, 0) = 0                logoff(0x1) = 0
 *     listen_start("msg") = 0               listen_stop()
 *     server_open(NULL) = 0                 server_open("WF12") = -7
 *     server_close("WF12")                  session_list("") = 0 [2 sessions]
 *     session_current("") = 0 [3]           session_logoff("", 3) = 0
 *     session_wait_gone("", 3, 1000 ms) = 0
 *     process_reach(2 procs, 0x7, 0x0, "msg") = 0 [0x1 0x3]
 *     process_step(42, 0x2, 0x0, "msg") = -10
 *     session_details("") = 0 [2 sessions]
 *     session_message("", 3, "terminus", 60 s) = 0
 *     session_blockers("", 3) = 0 [1 blockers]
 *     process_list(0x7) = 0 [3 processes]   boot_id() = 0 ["fakeboot"]
 *     process_identity(42) = 0 [start 0, unique 3]
 *     group_open(42, NULL) = 0 [group 5]   group_open(42, 5) = -2
 *     group_list(5) = 0 [3 processes]      group_kill(5, 1) = 0 [3 killed]
 *     group_empty(5) = 0 [empty]           group_close(5)
 * (process_reach lists the reach it found, one mask per process, up to 16.)
 * The log grows as needed, with no cap. If memory runs out the call is still
 * counted but its text is dropped: that line reads "(not recorded: out of
 * memory)"; if the log itself cannot grow, so do all the lines after it until
 * terminus_fake_calls_clear().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

#define TM_FAKE_NULL_ARGUMENT "NULL argument"

/* name, returns int, the handle it takes, the handle it gives out, the message for a NULL */
const struct tm_fake_prim_info tm_fake_prims[TM_FP_COUNT] = {
    [TM_FP_PROCESS_OPEN] = { "process_open", 1, 0, TM_FK_PROCESS, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_PROCESS_CLOSE] = { "process_close", 0, TM_FK_PROCESS, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_PROCESS_STATUS] = { "process_status", 1, TM_FK_PROCESS, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_PROCESS_REQUEST] = { "process_request", 1, TM_FK_PROCESS, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_PROCESS_KILL] = { "process_kill", 1, TM_FK_PROCESS, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_WAIT_OPEN] = { "wait_open", 1, TM_FK_PROCESSES, TM_FK_WAITSET,
                          "NULL argument or count 0" },
    [TM_FP_WAIT_ANY] = { "wait_any", 1, TM_FK_WAITSET, 0, "NULL argument or capacity 0" },
    [TM_FP_WAIT_CLOSE] = { "wait_close", 0, TM_FK_WAITSET, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_EXIT_PROCESS] = { "exit_process", 1, 0, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_LISTEN_START] = { "listen_start", 1, 0, TM_FK_LISTENER, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_LISTEN_STOP] = { "listen_stop", 0, TM_FK_LISTENER, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_LOGOFF] = { "logoff", 1, 0, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_SERVER_OPEN] = { "server_open", 1, 0, TM_FK_SERVER, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_SERVER_CLOSE] = { "server_close", 0, TM_FK_SERVER, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_SESSION_LIST] = { "session_list", 1, TM_FK_SERVER, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_SESSION_CURRENT] = { "session_current", 1, TM_FK_SERVER, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_SESSION_LOGOFF] = { "session_logoff", 1, TM_FK_SERVER, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_SESSION_WAIT_GONE] = { "session_wait_gone", 1, TM_FK_SERVER, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_PROCESS_REACH] = { "process_reach", 1, TM_FK_PROCESSES, 0, "NULL argument or count 0" },
    [TM_FP_PROCESS_STEP] = { "process_step", 1, TM_FK_PROCESS, 0,
                             "NULL argument or not one step bit" },
    [TM_FP_SESSION_DETAILS] = { "session_details", 1, TM_FK_SERVER, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_SESSION_MESSAGE] = { "session_message", 1, TM_FK_SERVER, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_SESSION_BLOCKERS] = { "session_blockers", 1, TM_FK_SERVER, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_PROCESS_LIST] = { "process_list", 1, 0, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_PROCESS_IDENTITY] = { "process_identity", 1, TM_FK_PROCESS, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_BOOT_ID] = { "boot_id", 1, 0, 0, "NULL argument or size below 64" },
    [TM_FP_GROUP_OPEN] = { "group_open", 1, TM_FK_PROCESS, TM_FK_GROUP, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_GROUP_LIST] = { "group_list", 1, TM_FK_GROUP, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_GROUP_KILL] = { "group_kill", 1, TM_FK_GROUP, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_GROUP_EMPTY] = { "group_empty", 1, TM_FK_GROUP, 0, TM_FAKE_NULL_ARGUMENT },
    [TM_FP_GROUP_CLOSE] = { "group_close", 0, TM_FK_GROUP, 0, TM_FAKE_NULL_ARGUMENT },
};

int tm_fake_prim_find(const char *name)
{
    int i;
    for (i = 0; i < TM_FP_COUNT; i++)
        if (strcmp(tm_fake_prims[i].name, name) == 0)
            return i;
    return -2;
}

/* The message for a handle that is not a live one of this fake, by the kind
 * the primitive takes. */
static const char *tm_fake_not_owned(int kind)
{
    switch (kind) {
    case TM_FK_WAITSET:
        return "not a wait set of this fake";
    case TM_FK_SERVER:
        return "not a server handle of this fake";
    case TM_FK_GROUP:
        return "not a group of this fake";
    default:
        return "not a process handle of this fake";
    }
}

/* Refuse a call for its arguments: E_INVALID, recorded if the member can fail. */
static int tm_fake_refuse(int prim, const char *what)
{
    if (!tm_fake_prims[prim].fallible)
        return TERMINUS_E_INVALID;
    return terminus_os_error(TERMINUS_E_INVALID, 0, "fake: %s: %s", tm_fake_prims[prim].name, what);
}

/* Charge a call's latency and count it against the fault; if the fault
 * fires, record the error and return its code, else return TERMINUS_OK. */
static int tm_fake_fault(terminus_fake *fake, int prim)
{
    fake->now_us = tm_fake_add_sat(fake->now_us, fake->latency_us[prim]);
    if (!fake->fault.set || (fake->fault.prim != TM_FP_ANY && fake->fault.prim != prim))
        return TERMINUS_OK;
    if (fake->fault.seen < UINT32_MAX)
        fake->fault.seen++;
    if (fake->fault.seen == fake->fault.nth ||
        (fake->fault.persistent && fake->fault.seen > fake->fault.nth)) {
        if (fake->faults_fired < UINT32_MAX)
            fake->faults_fired++;
        return terminus_os_error(fake->fault.code, fake->fault.os_code,
                                 "fake: %s failed (injected, call %u)", tm_fake_prims[prim].name,
                                 (unsigned)fake->fault.seen);
    }
    return TERMINUS_OK;
}

int tm_fake_enter(terminus_fake *fake, int prim, int args_ok, const void *handle, void *out,
                  int *rc)
{
    const struct tm_fake_prim_info *info = &tm_fake_prims[prim];

    if (fake == NULL || !args_ok || (info->takes != 0 && handle == NULL) ||
        (info->makes != 0 && out == NULL)) {
        *rc = tm_fake_refuse(prim, info->bad_args);
        return 0;
    }
    if (info->makes != 0)
        tm_fake_clear_out(out, info->makes);
    tm_mutex_lock(&fake->lock);
    if (info->takes != 0 && !tm_fake_owns(fake, handle, info->takes)) {
        tm_mutex_unlock(&fake->lock);
        *rc = tm_fake_refuse(prim, tm_fake_not_owned(info->takes));
        return 0;
    }
    *rc = TERMINUS_OK;
    if (!info->fallible)
        return 1;
    *rc = tm_fake_fault(fake, prim);
    if (*rc == TERMINUS_OK && info->takes == TM_FK_SERVER) {
        const struct tm_fake_server *srv = ((const terminus_os_server *)handle)->server;
        if (!srv->reachable) /* a dropped connection */
            *rc = terminus_os_error(TERMINUS_E_UNAVAILABLE, 0,
                                    "fake: %s(\"%s\"): the server cannot be reached", info->name,
                                    srv->name);
    }
    return 1;
}

/* tm_fake_log() with a va_list. */
static void tm_fake_vlog(terminus_fake *fake, int prim, const char *fmt, va_list ap)
{
    char buf[512];
    char *text;
    struct tm_fake_entry *entries;
    size_t len;

    fake->calls_total++;
    fake->calls[prim]++;
    if (fake->log_lost)
        return;
    entries = tm_fake_grow(fake->log, &fake->caplog, fake->nlog + 1, sizeof *fake->log);
    if (entries == NULL) {
        fake->log_lost = 1;
        return;
    }
    fake->log = entries;
    if (vsnprintf(buf, sizeof buf, fmt, ap) < 0)
        buf[0] = '\0';
    buf[sizeof buf - 1] = '\0';
    len = strlen(buf);
    text = malloc(len + 1);
    if (text != NULL)
        memcpy(text, buf, len + 1);
    fake->log[fake->nlog].prim = prim;
    fake->log[fake->nlog].text = text;
    fake->nlog++;
}

void tm_fake_log(terminus_fake *fake, int prim, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tm_fake_vlog(fake, prim, fmt, ap);
    va_end(ap);
}

int tm_fake_leave(terminus_fake *fake, int prim, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tm_fake_vlog(fake, prim, fmt, ap);
    va_end(ap);
    tm_mutex_unlock(&fake->lock);
    return rc;
}

void tm_fake_leave_closing(terminus_fake *fake, int prim, struct tm_fake_handle *h, const char *fmt,
                           ...)
{
    va_list ap;
    va_start(ap, fmt);
    tm_fake_vlog(fake, prim, fmt, ap);
    va_end(ap);
    tm_fake_handle_close(fake, h);
    tm_mutex_unlock(&fake->lock);
}
