/**
 * @file terminus.h
 * @brief terminus: end things properly. The umbrella header.
 *
 * terminus exits the calling process (terminus/exit.h), asks another process
 * to leave and escalates to a kill only after a grace period
 * (terminus/terminate.h), logs off the current user (terminus/logoff.h) and
 * logs off sessions on local or remote servers (terminus/session.h). Every
 * call returns a TERMINUS_* code (terminus/common.h). Everything it asks of
 * the OS goes through a replaceable table (terminus/sys/os.h); the fake OS
 * (terminus/sys/fake.h) lets programs test themselves against it.
 */
#ifndef TERMINUS_H
#define TERMINUS_H

#include "terminus/common.h"
#include "terminus/exit.h"
#include "terminus/terminate.h"
#include "terminus/logoff.h"
#include "terminus/session.h"
#include "terminus/process.h"
#include "terminus/sys/os.h"
#include "terminus/sys/fake.h"

#endif /* TERMINUS_H */
