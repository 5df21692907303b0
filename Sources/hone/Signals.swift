import Foundation
import HoneLang

enum Signals {
    /// Ctrl-C raises the interrupt flag, which the REPL and running commands poll. A second
    /// Ctrl-C before the first is handled ends the process, for a command that never polls.
    static func installInterruptHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            if InterruptFlag.shared.isRaised {
                signal(SIGINT, SIG_DFL)
                raise(SIGINT)
            }
            InterruptFlag.shared.raise()
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        // A parent may start hone with SIGINT blocked (test harnesses do); Ctrl-C must still work.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGINT)
        sigprocmask(SIG_UNBLOCK, &blocked, nil)
    }

    /// In a kernel, SIGINT (Jupyter's interrupt) only raises the flag: the running cell stops
    /// at its next safe point and the session stays. A repeated SIGINT does not end the kernel.
    static func installKernelInterruptHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in InterruptFlag.shared.raise() }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGINT)
        sigprocmask(SIG_UNBLOCK, &blocked, nil)
    }
}
