#ifndef HONE_CZEROMQ_SHIM_H
#define HONE_CZEROMQ_SHIM_H
/* libzmq's C API: the sockets of `hone kernel`. */
#include <zmq.h>
#endif
