/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <strings.h>

#include "macro.h"
#include "signal-name.h"

int signal_from_string(const char *s) {
        static const struct {
                const char *name;
                int number;
        } table[] = {
                { "HUP", SIGHUP },
                { "INT", SIGINT },
                { "QUIT", SIGQUIT },
                { "ILL", SIGILL },
                { "TRAP", SIGTRAP },
                { "ABRT", SIGABRT },
                { "BUS", SIGBUS },
                { "FPE", SIGFPE },
                { "KILL", SIGKILL },
                { "USR1", SIGUSR1 },
                { "SEGV", SIGSEGV },
                { "USR2", SIGUSR2 },
                { "PIPE", SIGPIPE },
                { "ALRM", SIGALRM },
                { "TERM", SIGTERM },
                { "CHLD", SIGCHLD },
                { "CONT", SIGCONT },
                { "STOP", SIGSTOP },
                { "TSTP", SIGTSTP },
                { "TTIN", SIGTTIN },
                { "TTOU", SIGTTOU },
                { "URG", SIGURG },
                { "XCPU", SIGXCPU },
                { "XFSZ", SIGXFSZ },
                { "VTALRM", SIGVTALRM },
                { "PROF", SIGPROF },
                { "WINCH", SIGWINCH },
                { "IO", SIGIO },
                { "PWR", SIGPWR },
                { "SYS", SIGSYS },
        };
        const char *name;
        char *end;
        long n;

        if (isempty(s))
                return -EINVAL;
        if (isdigit((unsigned char) s[0])) {
                errno = 0;
                n = strtol(s, &end, 10);
                if (errno != 0 || *end != 0 || n < 1 || n > SIGRTMAX)
                        return -EINVAL;
                return (int) n;
        }
        name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
        if (strncasecmp(name, "RTMIN", 5) == 0) { /* RTMIN, RTMIN+N: the real-time signals */
                if (name[5] == 0)
                        return SIGRTMIN;
                if (name[5] != '+' || !isdigit((unsigned char) name[6]))
                        return -EINVAL;
                errno = 0;
                n = strtol(name + 6, &end, 10);
                if (errno != 0 || *end != 0 || n > SIGRTMAX - SIGRTMIN)
                        return -EINVAL;
                return SIGRTMIN + (int) n;
        }
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strcasecmp(name, table[i].name) == 0)
                        return table[i].number;
        return -EINVAL;
}
