/*
 * tm_window: a GUI program that knows nothing of terminus.
 *
 *   tm_window COUNT EXIT_CODE
 *
 * Owns COUNT hidden top-level windows and pumps their messages; WM_CLOSE to
 * any of them ends it with EXIT_CODE (as an application's main window:
 * DestroyWindow, then WM_QUIT). Also the bystander application with many
 * windows that a targeted request must not touch.
 */
#include <stdlib.h>

#include "helpers.h"

static UINT exit_code;

static LRESULT CALLBACK proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp)
{
    if (msg == WM_CLOSE) {
        DestroyWindow(hwnd);
        PostQuitMessage((int)exit_code);
        return 0;
    }
    return DefWindowProcW(hwnd, msg, wp, lp);
}

int main(int argc, char **argv)
{
    WNDCLASSEXW wc;
    MSG m;
    int count = argc == 3 ? atoi(argv[1]) : 0;
    if (count < 1)
        return 2;
    exit_code = (UINT)strtoul(argv[2], NULL, 10);
    ZeroMemory(&wc, sizeof wc);
    wc.cbSize = sizeof wc;
    wc.lpfnWndProc = proc;
    wc.hInstance = GetModuleHandleW(NULL);
    wc.lpszClassName = L"tm_window";
    if (!RegisterClassExW(&wc))
        return 3;
    for (int i = 0; i < count; i++)
        if (CreateWindowExW(0, L"tm_window", L"tm_window", WS_OVERLAPPED, 0, 0, 0, 0, NULL, NULL,
                            wc.hInstance, NULL) == NULL)
            return 4;
    tmt_signal_ready();
    while (GetMessageW(&m, NULL, 0, 0) > 0) {
        TranslateMessage(&m);
        DispatchMessageW(&m);
    }
    return (int)m.wParam;
}
