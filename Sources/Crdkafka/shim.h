#ifndef CRDKAFKA_SHIM_H
#define CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
/* rdkafka_mock.h #errors unless rdkafka.h came first. */
#include <librdkafka/rdkafka_mock.h>
#endif
