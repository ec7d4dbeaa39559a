/*
 * examples/demo.c: terminus at work against the fake OS, step by step.
 *
 * It plays a terminate of three processes (one leaves when asked, one
 * ignores the request and is killed after the grace period, one is already
 * gone) and a session logoff on a server, and prints each call the library
 * made to the OS shim. The fake's clock is virtual: the 2-second grace period
 * costs no real time.
 */
#include <stdio.h>
#include <stdlib.h>

#include <terminus.h>

static const char *outcome_name(int outcome)
{
    switch (outcome) {
    case TERMINUS_OUTCOME_EXITED:
        return "EXITED (left by itself after the request)";
    case TERMINUS_OUTCOME_FORCED:
        return "FORCED (killed after the grace period)";
    case TERMINUS_OUTCOME_GONE:
        return "GONE (had already exited)";
    default:
        return "NONE";
    }
}

static const char *state_name(int state)
{
    switch (state) {
    case TERMINUS_SESSION_ACTIVE:
        return "active";
    case TERMINUS_SESSION_CONNECTED:
        return "connected";
    case TERMINUS_SESSION_DISCONNECTED:
        return "disconnected";
    default:
        return "other";
    }
}

/* Print the shim calls made since the last time, then forget them. */
static void show_calls(terminus_fake *fake)
{
    size_t n = terminus_fake_call_count(fake, NULL);
    char line[256];

    for (size_t i = 0; i < n; i++) {
        if (terminus_fake_call(fake, i, line, sizeof line) == TERMINUS_OK)
            printf("      os> %s\n", line);
    }
    terminus_fake_calls_clear(fake);
}

static int mismatches;

/* What a step shows must be what terminus promises: say so when it is not. */
static void expect(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "demo: MISMATCH: %s\n", what);
        mismatches++;
    }
}

static int check(int rc, const char *what)
{
    if (rc != TERMINUS_OK) {
        fprintf(stderr, "demo: %s: %s (%s)\n", what, terminus_error_last()->message,
                terminus_error_name(rc));
        exit(1);
    }
    return rc;
}

int main(void)
{
    terminus_fake *fake;
    terminus_ctx *ctx;
    terminus_server *server;
    terminus_session_info *list;
    size_t count;
    uint32_t id;
    const terminus_pid pids[] = { 4242, 4243, 4244 };
    terminus_result results[3];
    terminus_terminate_options opts = TERMINUS_TERMINATE_OPTIONS_INIT;
    int rc;

    printf("terminus %s: a terminate and a session logoff, played against the fake OS\n\n",
           terminus_version());

    check(terminus_fake_new(&fake), "terminus_fake_new");
    check(terminus_fake_process_add(fake, 4242, TERMINUS_FAKE_EXITS_ON_REQUEST, 120, 0),
          "add 4242");
    check(terminus_fake_process_add(fake, 4243, TERMINUS_FAKE_IGNORES, 0, 0), "add 4243");
    check(terminus_fake_process_add(fake, 4244, TERMINUS_FAKE_GONE, 0, 3), "add 4244");
    check(terminus_ctx_new(&ctx, terminus_fake_os(fake)), "terminus_ctx_new");

    printf("1. Three processes: 4242 saves its work and leaves 120 ms after a request,\n"
           "   4243 ignores requests, 4244 has already exited with code 3.\n"
           "   terminus_terminate_many(grace 2000 ms, forced exit code 1):\n");
    opts.grace_ms = 2000;
    rc = terminus_terminate_many(ctx, pids, 3, &opts, results);
    show_calls(fake);
    for (size_t i = 0; i < 3; i++)
        printf("   pid %u: %s, exit code %u, after %.1f ms\n", (unsigned)pids[i],
               outcome_name(results[i].outcome), (unsigned)results[i].exit_code,
               (double)results[i].elapsed_us / 1000.0);
    printf("   => %s; virtual time spent: %.1f ms\n\n", terminus_error_name(rc),
           (double)terminus_fake_now_us(fake) / 1000.0);
    expect(rc == TERMINUS_OK, "terminate_many returns TERMINUS_OK");
    expect(results[0].outcome == TERMINUS_OUTCOME_EXITED && results[0].elapsed_us == 120000,
           "4242 leaves by itself 120 ms after the request");
    expect(results[1].outcome == TERMINUS_OUTCOME_FORCED && results[1].exit_code == 1 &&
               results[1].elapsed_us == 2000000,
           "4243 is killed after exactly the 2000 ms grace, with exit code 1");
    expect(results[2].outcome == TERMINUS_OUTCOME_GONE && results[2].exit_code == 3,
           "4244 is reported gone with its exit code 3");

    printf("2. Bad input changes nothing: terminus_terminate(pid 0):\n");
    rc = terminus_terminate(ctx, 0, NULL, NULL);
    printf("   => %s: %s (OS calls made: %u)\n\n", terminus_error_name(rc),
           terminus_error_last()->message, (unsigned)terminus_fake_call_count(fake, NULL));
    expect(rc == TERMINUS_E_INVALID && terminus_fake_call_count(fake, NULL) == 0,
           "pid 0 is TERMINUS_E_INVALID and reaches no OS call");

    printf("3. Server WF12 with three sessions; log off \"rdp-tcp#3\" and wait for it to go:\n");
    check(terminus_fake_session_add(fake, "WF12", 0, TERMINUS_SESSION_DISCONNECTED, "Services", "",
                                    0, 0),
          "add session 0");
    check(terminus_fake_session_add(fake, "WF12", 1, TERMINUS_SESSION_ACTIVE, "Console",
                                    "CORP\\alice", TERMINUS_FAKE_SESSION_ENDS, 0),
          "add session 1");
    check(terminus_fake_session_add(fake, "WF12", 3, TERMINUS_SESSION_ACTIVE, "RDP-Tcp#3",
                                    "CORP\\bob", TERMINUS_FAKE_SESSION_ENDS, 450),
          "add session 3");
    check(terminus_server_open(ctx, "WF12", &server), "terminus_server_open");
    check(terminus_session_list(server, &list, &count), "terminus_session_list");
    show_calls(fake);
    for (size_t i = 0; i < count; i++)
        printf("   session %-3u %-10s %-13s %s\n", (unsigned)list[i].id, list[i].name,
               state_name(list[i].state), list[i].user[0] ? list[i].user : "-");
    terminus_session_list_free(list);
    check(terminus_session_resolve(server, "rdp-tcp#3", &id), "terminus_session_resolve");
    printf("   \"rdp-tcp#3\" resolves to session %u\n", (unsigned)id);
    expect(count == 3 && id == 3,
           "three sessions listed; the name resolves to id 3 whatever its case");
    uint64_t t0 = terminus_fake_now_us(fake);
    rc = terminus_session_logoff(server, id, TERMINUS_SESSION_WAIT, 5000);
    show_calls(fake);
    printf("   => %s; the session was gone after %.1f ms\n", terminus_error_name(rc),
           (double)(terminus_fake_now_us(fake) - t0) / 1000.0);
    expect(rc == TERMINUS_OK && terminus_fake_now_us(fake) - t0 == 450000 &&
               !terminus_fake_session_exists(fake, "WF12", 3),
           "the logoff waits until the session is gone, 450 ms later");
    rc = terminus_session_logoff(server, 0, 0, 0);
    printf("   session 0 => %s: %s\n", terminus_error_name(rc), terminus_error_last()->message);
    expect(rc == TERMINUS_E_REFUSED, "session 0 is refused");

    terminus_server_close(server);
    terminus_ctx_free(ctx);
    printf("\nhandles left open: %u\n", (unsigned)terminus_fake_open_handles(fake));
    expect(terminus_fake_open_handles(fake) == 0, "no handle is left open");
    terminus_fake_free(fake);
    if (mismatches > 0) {
        fprintf(stderr, "demo: %d step(s) did not show what they should\n", mismatches);
        return 1;
    }
    printf("demo (fake OS): every step showed what it should.\n");
    return 0;
}
