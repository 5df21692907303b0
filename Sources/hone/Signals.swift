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
}
