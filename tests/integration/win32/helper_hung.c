/*
 * tm_hung: a hung GUI application: it owns a top-level window but its
 * message loop never runs, so it never answers a message. A terminate must
 * not be held by it past the grace period.
 */
#include "helpers.h"

int main(void)
{
    WNDCLASSEXW wc;
    ZeroMemory(&wc, sizeof wc);
    wc.cbSize = sizeof wc;
    wc.lpfnWndProc = DefWindowProcW;
    wc.hInstance = GetModuleHandleW(NULL);
    wc.lpszClassName = L"tm_hung";
    if (!RegisterClassExW(&wc))
        return 3;
    if (CreateWindowExW(0, L"tm_hung", L"hung", WS_OVERLAPPED, 0, 0, 0, 0, NULL, NULL, wc.hInstance,
                        NULL) == NULL)
        return 4;
    tmt_signal_ready();
    Sleep(INFINITE); /* never pumps */
    return 0;
}
