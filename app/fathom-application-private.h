/* fathom-application-private.h: shared by fathom-application.c and its
 * actions file. */
#pragma once

#include "fathom-application.h"

G_BEGIN_DECLS

struct _FathomApplication
{
  AdwApplication  parent_instance;

  /* owned */
  GSettings      *settings;
};

void _fathom_application_actions_init (FathomApplication *self);

G_END_DECLS
