/* fathom-fishsim-private.h: what the fishsim generator shares with its
 * drawing files (decks in fathom-fishsim-deck.c, fish in
 * fathom-fishsim-draw.c and fathom-fishsim-species.c, crew and whole photos
 * in fathom-fishsim-photo.c).
 * GTK-free: every routine draws on a cairo_t.
 *
 * Scenes are laid out in "design" coordinates, the pixels of the real
 * camera (1280x720 and so on); the cairo_t given to the drawing routines
 * already maps them onto the scaled image. Boxes come out in the pixels of
 * the image actually written.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "fathom-fishsim.h"
#include "fathom-image.h"
#include "fathom-rng.h"

G_BEGIN_DECLS

/* Classes in Kaggle's folder order. */
typedef enum {
  FISHSIM_ALB,
  FISHSIM_BET,
  FISHSIM_DOL,
  FISHSIM_LAG,
  FISHSIM_NOF,
  FISHSIM_OTHER,
  FISHSIM_SHARK,
  FISHSIM_YFT,
  FISHSIM_N_CLASSES
} FishsimClass;

/* Shapes; OTHER is drawn as one of the last three. */
typedef enum {
  FISH_ALBACORE,
  FISH_BIGEYE,
  FISH_DOLPHIN,
  FISH_OPAH,
  FISH_SHARK,
  FISH_YELLOWFIN,
  FISH_FLAT,
  FISH_STRIPED,
  FISH_LONG,
  FISH_N_KINDS
} FishKind;

typedef struct {
  double x0, y0, x1, y1;
} FishsimBox;

typedef struct {
  FishKind     kind;
  FishsimClass species;         /* the class this fish counts as */
  double       cx, cy;          /* centre, design pixels */
  double       length;          /* snout to tail tip, design pixels */
  double       angle;           /* radians; 0 = head to the right */
  gboolean     mirror;          /* the other side up */
  double       tone;            /* -1..1: darker or paler individual */
  guint32      variant;         /* per-fish detail (spots, stripes) */
  /* results, in image pixels */
  FishsimBox   box;             /* clipped to the image */
  double       full_area;       /* before clipping */
  double       head[2], tail[2];
  gboolean     truncated;       /* cut by the frame */
  gboolean     occluded;        /* something drawn over it */
} FishsimFish;

#define FISHSIM_MAX_GEAR 12

typedef enum {
  GEAR_BUCKET,
  GEAR_CRATE,
  GEAR_TOTE,
  GEAR_ROPE_COIL,
  GEAR_HOSE,
  GEAR_HATCH,
  GEAR_BUOY,
  GEAR_N_KINDS
} GearKind;

typedef struct {
  GearKind kind;
  double   x, y, size, angle;
  double   rgb[3];
  guint32  variant;
} FishsimGear;

typedef enum {
  DECK_PLANKS,
  DECK_DIAMOND,
  DECK_PAINTED,
  DECK_MAT,
  DECK_FIBREGLASS,
  DECK_N_KINDS
} DeckKind;

/* One boat: a fixed camera on a fixed deck. */
typedef struct {
  int          id;
  int          width0, height0; /* the real camera's size */
  int          width, height;   /* scaled */
  DeckKind     deck;
  double       deck_rgb[3];
  double       deck_angle;      /* direction of planks, plates, mat rows */
  double       spacing;         /* plank width and the like, design px */
  double       tilt;            /* how obliquely the camera looks down */
  int          rail_side;       /* 0 top, 1 left, 2 right, 3 top and left */
  double       rail_depth;      /* fraction of the frame the side takes */
  double       hull_rgb[3];
  gboolean     sea;             /* water visible over the rail */
  double       sea_rgb[3];
  FishsimGear  gear[FISHSIM_MAX_GEAR];
  guint        n_gear;
  double       open[4];         /* free deck where fish lie: x0 y0 x1 y1 */
  double       crew_p;          /* chance of crew in a shot */
  double       crew_rgb[3];     /* their oilskins */
  double       boot_rgb[3];
  double       glove_rgb[3];
  double       night_p;         /* chance of an infrared night shot */
  double       light[3];        /* the boat's light and white balance */
  guint64      seed;
  guint32     *background;      /* width x height cairo RGB24, the deck */
} FishsimBoat;

/* fathom-fishsim-deck.c */
void     fishsim_boat_init        (FishsimBoat   *boat,
                                   int            id,
                                   int            width0,
                                   int            height0,
                                   double         scale,
                                   guint64        seed);
void     fishsim_boat_clear       (FishsimBoat   *boat);
/* Renders the fixed deck into boat->background (once per boat). */
void     fishsim_boat_render      (FishsimBoat   *boat);
void     fishsim_draw_gear        (cairo_t       *cr,
                                   const FishsimGear *gear);

/* fathom-fishsim-photo.c */
#define FISHSIM_MAX_FISH 4

/* One photo of the boat whose dominant fish is of class cls (none for
 * NoF): lays out the fish, dominant first in fish[], with their boxes
 * clipped to the image and rounded outwards to whole pixels. Night shots
 * come out grey. */
FathomImage *fishsim_render_photo (const FishsimBoat *boat,
                                   FishsimClass   cls,
                                   gboolean       night,
                                   FathomRng     *rng,
                                   FishsimFish    fish[FISHSIM_MAX_FISH],
                                   guint         *n_fish);

/* fathom-fishsim-draw.c: fish in a unit frame, snout at x = 0.5, tail
 * tip at x = -0.5, back towards negative y */
/* Draws the fish (or, with measure, only computes its box) under cr's
 * current transform; fills fish->box (unclipped, only when measuring),
 * head and tail, in device pixels. */
void     fishsim_draw_fish        (cairo_t       *cr,
                                   FishsimFish   *fish,
                                   gboolean       measure);
/* Length over body depth, to size round fish smaller. */
double   fishsim_fish_aspect      (FishKind       kind);

typedef struct {
  cairo_t     *cr;
  FishsimFish *fish;
  gboolean     measure;         /* only the box: nothing is painted */
  gboolean     have_box;
  double       tone;            /* brightness factor of this individual */
} FishsimPainter;

/* A number in [0, 1) from the fish's variant, for spots and stripes. */
double   fishsim_hash01           (guint32        variant,
                                   guint32        i);
/* Outline parts: the current path counts in the box, then is filled. */
void     fishsim_paint_rgb        (FishsimPainter *p,
                                   double         r,
                                   double         g,
                                   double         b);
/* A gradient from the back (y0) to the belly (y1); stops are offset, r,
 * g, b quadruples. */
void     fishsim_paint_gradient   (FishsimPainter *p,
                                   double         y0,
                                   double         y1,
                                   const double  *stops,
                                   int            n_stops);
/* Markings inside the outline, never in the box: FALSE (and the path
 * dropped) when only measuring. */
gboolean fishsim_paint_detail     (FishsimPainter *p);
void     fishsim_paint_stroke     (FishsimPainter *p,
                                   double         width,
                                   double         r,
                                   double         g,
                                   double         b,
                                   double         a);
void     fishsim_paint_eye        (FishsimPainter *p,
                                   double         x,
                                   double         y,
                                   double         radius,
                                   double         ring_r,
                                   double         ring_g,
                                   double         ring_b);
void     fishsim_paint_sheen      (FishsimPainter *p,
                                   double         x0,
                                   double         x1,
                                   double         y);

/* fathom-fishsim-species.c */
void     fishsim_draw_opah        (FishsimPainter *p);
void     fishsim_draw_shark       (FishsimPainter *p);
void     fishsim_draw_flat        (FishsimPainter *p);
void     fishsim_draw_striped     (FishsimPainter *p);
void     fishsim_draw_long        (FishsimPainter *p);


/* ---- the generator (fathom-fishsim.c and its helpers) ------------------ */

#define FISHSIM_N_BOATS 12

extern const char *const fishsim_class_names[FISHSIM_N_CLASSES];

/* Stream tags, so that boats, the plan and each photo draw independent
 * numbers from the one seed. */
enum {
  FISHSIM_STREAM_PLAN = 1, FISHSIM_STREAM_BOAT = 2, FISHSIM_STREAM_PHOTO = 3,
  FISHSIM_STREAM_CORPUS_PLAN = 4, FISHSIM_STREAM_CORPUS_PHOTO = 5
};

typedef struct {
  guint        number;          /* img_NNNNN */
  gboolean     test;
  int          boat;
  FishsimClass cls;
  gboolean     night;
  guint        n_fish;
  FishsimFish  fish[FISHSIM_MAX_FISH];
  char        *path;            /* relative to the output folder */
} FishsimPhoto;

/* fathom-fishsim-plan.c */
/* A generator seed for stream index of kind tag. */
guint64       fishsim_stream_seed   (guint64        seed,
                                     guint64        tag,
                                     guint64        index);
/* The real camera size of a boat. */
void          fishsim_boat_camera   (int            boat,
                                     int           *width0,
                                     int           *height0);
/* Boat, class and number of every photo, training ones first, in the
 * order of their streams. */
FishsimPhoto *fishsim_plan_photos   (guint64        seed,
                                     guint          n_train,
                                     guint          n_test);
/* A pretraining corpus of n training photos (FathomFishsimOptions.corpus):
 * the classes in equal numbers (n / 8, the first n % 8 classes one more),
 * in a random order, each photo's boat drawn uniformly and apart. */
FishsimPhoto *fishsim_plan_corpus   (guint64        seed,
                                     guint          n);

/* fathom-fishsim-truth.c: photos sorted, training ones first */
gboolean      fishsim_write_annotations (const char          *out_dir,
                                         FishsimPhoto *const *photos,
                                         guint                n_photos,
                                         GError             **error);
gboolean      fishsim_write_truth   (const FathomFishsimOptions *opts,
                                     const FishsimBoat   *boats,
                                     FishsimPhoto *const *photos,
                                     guint                n_photos,
                                     GError             **error);
/* A GIO error from errno that names the path. */
gboolean      fishsim_io_error      (GError            **error,
                                     int                 saved_errno,
                                     const char         *what,
                                     const char         *path);

G_END_DECLS
