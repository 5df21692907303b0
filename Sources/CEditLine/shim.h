#ifndef HONE_CEDITLINE_SHIM_H
#define HONE_CEDITLINE_SHIM_H
#include <stdio.h>
/* Only libedit's readline: GNU readline's header shares the include guard (SWIFT-NOTES §1.2). */
#include <editline/readline.h>
#endif
