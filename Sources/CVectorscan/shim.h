#ifndef LINGER_CVECTORSCAN_SHIM_H
#define LINGER_CVECTORSCAN_SHIM_H
#include <hs.h>
#endif
