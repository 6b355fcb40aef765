/* fathom-application.h: the desktop application (one instance per session;
 * folders named on a second command line open in the running one). */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define FATHOM_APP_ID "io.github.fathom.Fathom"

#define FATHOM_TYPE_APPLICATION (fathom_application_get_type ())

G_DECLARE_FINAL_TYPE (FathomApplication, fathom_application, FATHOM, APPLICATION, AdwApplication)

FathomApplication *fathom_application_new          (void);
/* The io.github.fathom.Fathom settings; valid from startup on. */
GSettings         *fathom_application_get_settings (FathomApplication *self);
const char        *fathom_application_get_version  (void);

G_END_DECLS
