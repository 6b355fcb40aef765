/* fathom-heatmap-controls.c: a form of dropdowns, toggles and sliders
 * behind seven properties.
 *
 * One handler reads every widget after any change and one writer pushes
 * every property into the widgets, so the form and the properties cannot
 * drift apart.
 */
#include "fathom-heatmap-controls.h"

#include "fathom-heatmap.h"

#include <math.h>

enum { CHOICE_TRUE, CHOICE_PRED, CHOICE_FIRST_CLASS };

struct _FathomHeatmapControls
{
  GtkWidget           parent_instance;

  /* children (the form owns them) */
  GtkWidget          *form;
  GtkWidget          *class_drop;
  GtkStringList      *class_list;
  GtkWidget          *cmap_drop;
  GtkWidget          *nearest;
  GtkWidget          *bilinear;
  GtkWidget          *opacity;
  GtkWidget          *threshold;
  GtkWidget          *range_drop;
  GtkWidget          *softmax;

  char              **class_names;
  int                 true_class;
  int                 pred_class;
  guint               choice;
  FathomHeatmapStyle  style;
  int                 heatmap_class;
  gboolean            syncing;
};

G_DEFINE_FINAL_TYPE (FathomHeatmapControls, fathom_heatmap_controls, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_HEATMAP_CLASS,
  PROP_OPACITY,
  PROP_COLORMAP,
  PROP_INTERPOLATION,
  PROP_THRESHOLD,
  PROP_SCALE_MODE,
  PROP_NORM,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static int
n_classes (FathomHeatmapControls *self)
{
  return self->class_names != NULL ? (int) g_strv_length (self->class_names) : 0;
}

static int
resolve_choice (FathomHeatmapControls *self)
{
  if (self->choice == CHOICE_TRUE)
    return self->true_class;
  if (self->choice == CHOICE_PRED)
    return self->pred_class;
  return (int) self->choice - CHOICE_FIRST_CLASS < n_classes (self)
         ? (int) self->choice - CHOICE_FIRST_CLASS : -1;
}

/* Properties into widgets. */
static void
write_widgets (FathomHeatmapControls *self)
{
  self->syncing = TRUE;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->class_drop), self->choice);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->cmap_drop), self->style.colormap);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->nearest),
                                self->style.interpolation == FATHOM_RESIZE_NEAREST);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->bilinear),
                                self->style.interpolation == FATHOM_RESIZE_BILINEAR);
  gtk_range_set_value (GTK_RANGE (self->opacity), self->style.opacity);
  gtk_range_set_value (GTK_RANGE (self->threshold), self->style.threshold);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->range_drop), self->style.scale);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->softmax),
                               self->style.norm == FATHOM_HEATMAP_NORM_SOFTMAX);
  self->syncing = FALSE;
}

static void
set_int (FathomHeatmapControls *self, int *field, int value, guint prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

static void
set_double (FathomHeatmapControls *self, double *field, double value, guint prop)
{
  if (fabs (*field - value) < 1e-9)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

/* Widgets into properties: connected swapped to every widget's signal. */
static void
read_widgets (FathomHeatmapControls *self)
{
  guint choice = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->class_drop));
  int value;

  if (self->syncing)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (choice != GTK_INVALID_LIST_POSITION)
    self->choice = choice;
  set_int (self, &self->heatmap_class, resolve_choice (self), PROP_HEATMAP_CLASS);
  value = (int) gtk_drop_down_get_selected (GTK_DROP_DOWN (self->cmap_drop));
  set_int (self, (int *) &self->style.colormap, value, PROP_COLORMAP);
  value = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->bilinear))
          ? FATHOM_RESIZE_BILINEAR : FATHOM_RESIZE_NEAREST;
  set_int (self, (int *) &self->style.interpolation, value, PROP_INTERPOLATION);
  set_double (self, &self->style.opacity, gtk_range_get_value (GTK_RANGE (self->opacity)),
              PROP_OPACITY);
  set_double (self, &self->style.threshold, gtk_range_get_value (GTK_RANGE (self->threshold)),
              PROP_THRESHOLD);
  value = (int) gtk_drop_down_get_selected (GTK_DROP_DOWN (self->range_drop));
  set_int (self, (int *) &self->style.scale, value, PROP_SCALE_MODE);
  value = gtk_check_button_get_active (GTK_CHECK_BUTTON (self->softmax))
          ? FATHOM_HEATMAP_NORM_SOFTMAX : FATHOM_HEATMAP_NORM_MINMAX;
  set_int (self, (int *) &self->style.norm, value, PROP_NORM);
  g_object_thaw_notify (G_OBJECT (self));
}

static char *
choice_label (FathomHeatmapControls *self, const char *what, int k)
{
  if (k >= 0 && k < n_classes (self))
    return g_strdup_printf ("%s (%s)", what, self->class_names[k]);
  return g_strdup (what);
}

static void
rebuild_class_list (FathomHeatmapControls *self)
{
  g_autofree char *true_s = choice_label (self, "True class", self->true_class);
  g_autofree char *pred_s = choice_label (self, "Predicted class", self->pred_class);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->class_list));
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  g_ptr_array_add (items, true_s);
  g_ptr_array_add (items, pred_s);
  for (int k = 0; k < n_classes (self); k++)
    g_ptr_array_add (items, self->class_names[k]);
  g_ptr_array_add (items, NULL);
  /* splicing may move the dropdown's selection: put it back */
  self->syncing = TRUE;
  gtk_string_list_splice (self->class_list, 0, n, (const char * const *) items->pdata);
  self->syncing = FALSE;
  if (self->choice >= items->len - 1)
    self->choice = CHOICE_TRUE;
  write_widgets (self);
  set_int (self, &self->heatmap_class, resolve_choice (self), PROP_HEATMAP_CLASS);
}

void
fathom_heatmap_controls_set_class_names (FathomHeatmapControls *self,
                                         const char * const    *class_names)
{
  g_return_if_fail (FATHOM_IS_HEATMAP_CONTROLS (self));
  g_strfreev (self->class_names);
  self->class_names = g_strdupv ((char **) class_names);
  rebuild_class_list (self);
}

void
fathom_heatmap_controls_set_image_classes (FathomHeatmapControls *self,
                                           int                    true_class,
                                           int                    pred_class)
{
  g_return_if_fail (FATHOM_IS_HEATMAP_CONTROLS (self));
  self->true_class = true_class;
  self->pred_class = pred_class;
  rebuild_class_list (self);
}

void
fathom_heatmap_controls_bind (FathomHeatmapControls *self,
                              gpointer               target)
{
  g_return_if_fail (FATHOM_IS_HEATMAP_CONTROLS (self));
  g_return_if_fail (G_IS_OBJECT (target));
  for (guint p = PROP_HEATMAP_CLASS; p < N_PROPS; p++)
    g_object_bind_property (self, props[p]->name, target, props[p]->name,
                            G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
}

static void
fathom_heatmap_controls_get_property (GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec)
{
  FathomHeatmapControls *self = FATHOM_HEATMAP_CONTROLS (object);

  switch (prop_id)
    {
    case PROP_HEATMAP_CLASS: g_value_set_int (value, self->heatmap_class); break;
    case PROP_OPACITY: g_value_set_double (value, self->style.opacity); break;
    case PROP_COLORMAP: g_value_set_int (value, self->style.colormap); break;
    case PROP_INTERPOLATION: g_value_set_int (value, self->style.interpolation); break;
    case PROP_THRESHOLD: g_value_set_double (value, self->style.threshold); break;
    case PROP_SCALE_MODE: g_value_set_int (value, self->style.scale); break;
    case PROP_NORM: g_value_set_int (value, self->style.norm); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_heatmap_controls_set_property (GObject *object, guint prop_id, const GValue *value,
                                      GParamSpec *pspec)
{
  FathomHeatmapControls *self = FATHOM_HEATMAP_CONTROLS (object);

  switch (prop_id)
    {
    case PROP_HEATMAP_CLASS:
      {
        int k = g_value_get_int (value);

        /* a class picked elsewhere (the grid) is an explicit choice */
        if (k != self->heatmap_class)
          self->choice = k >= 0 && k < n_classes (self) ? (guint) k + CHOICE_FIRST_CLASS
                                                        : CHOICE_TRUE;
        set_int (self, &self->heatmap_class, k, prop_id);
      }
      break;
    case PROP_OPACITY: set_double (self, &self->style.opacity, g_value_get_double (value), prop_id); break;
    case PROP_COLORMAP: set_int (self, (int *) &self->style.colormap, g_value_get_int (value), prop_id); break;
    case PROP_INTERPOLATION: set_int (self, (int *) &self->style.interpolation, g_value_get_int (value), prop_id); break;
    case PROP_THRESHOLD: set_double (self, &self->style.threshold, g_value_get_double (value), prop_id); break;
    case PROP_SCALE_MODE: set_int (self, (int *) &self->style.scale, g_value_get_int (value), prop_id); break;
    case PROP_NORM: set_int (self, (int *) &self->style.norm, g_value_get_int (value), prop_id); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec); return;
    }
  write_widgets (self);
}

static void
fathom_heatmap_controls_dispose (GObject *object)
{
  FathomHeatmapControls *self = FATHOM_HEATMAP_CONTROLS (object);

  g_clear_pointer (&self->form, gtk_widget_unparent);
  G_OBJECT_CLASS (fathom_heatmap_controls_parent_class)->dispose (object);
}

static void
fathom_heatmap_controls_finalize (GObject *object)
{
  FathomHeatmapControls *self = FATHOM_HEATMAP_CONTROLS (object);

  g_strfreev (self->class_names);
  G_OBJECT_CLASS (fathom_heatmap_controls_parent_class)->finalize (object);
}

static void
fathom_heatmap_controls_class_init (FathomHeatmapControlsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = fathom_heatmap_controls_get_property;
  object_class->set_property = fathom_heatmap_controls_set_property;
  object_class->dispose = fathom_heatmap_controls_dispose;
  object_class->finalize = fathom_heatmap_controls_finalize;

  /* the same names, types and ranges as FathomImageView's */
  props[PROP_HEATMAP_CLASS] = g_param_spec_int ("heatmap-class", NULL, NULL, -1, G_MAXINT, -1, rw);
  props[PROP_OPACITY] = g_param_spec_double ("opacity", NULL, NULL, 0, 1, 0.5, rw);
  props[PROP_COLORMAP] = g_param_spec_int ("colormap", NULL, NULL, 0, FATHOM_COLORMAP_N - 1,
                                           FATHOM_COLORMAP_COOL, rw);
  props[PROP_INTERPOLATION] = g_param_spec_int ("interpolation", NULL, NULL, 0, 1,
                                                FATHOM_RESIZE_NEAREST, rw);
  props[PROP_THRESHOLD] = g_param_spec_double ("threshold", NULL, NULL, 0, 1, 0, rw);
  props[PROP_SCALE_MODE] = g_param_spec_int ("scale-mode", NULL, NULL, 0, 1,
                                             FATHOM_HEATMAP_SCALE_SHARED, rw);
  props[PROP_NORM] = g_param_spec_int ("norm", NULL, NULL, 0, 1, FATHOM_HEATMAP_NORM_MINMAX, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fathom-heatmap-controls");
}

static GtkWidget *
add_row (FathomHeatmapControls *self, int row, const char *label, GtkWidget *control)
{
  GtkWidget *l = gtk_label_new_with_mnemonic (label);

  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_widget_add_css_class (l, "dim-label");
  gtk_label_set_mnemonic_widget (GTK_LABEL (l), control);
  gtk_widget_set_hexpand (control, TRUE);
  gtk_grid_attach (GTK_GRID (self->form), l, 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (self->form), control, 1, row, 1, 1);
  return control;
}

static GtkWidget *
new_slider (FathomHeatmapControls *self)
{
  GtkWidget *scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1, 0.05);

  gtk_scale_set_draw_value (GTK_SCALE (scale), TRUE);
  gtk_scale_set_digits (GTK_SCALE (scale), 2);
  gtk_scale_set_value_pos (GTK_SCALE (scale), GTK_POS_RIGHT);
  g_signal_connect_swapped (scale, "value-changed", G_CALLBACK (read_widgets), self);
  return scale;
}

static void
fathom_heatmap_controls_init (FathomHeatmapControls *self)
{
  static const char *const cmaps[] = { "cool", "viridis", "inferno", "grey", NULL };
  static const char *const ranges[] = { "Shared by all classes", "Per map", NULL };
  static const char *const none[] = { NULL };
  GtkWidget *cells = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  G_STATIC_ASSERT (G_N_ELEMENTS (cmaps) == FATHOM_COLORMAP_N + 1);
  fathom_heatmap_style_init (&self->style);
  self->true_class = self->pred_class = -1;
  self->heatmap_class = -1;

  self->form = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (self->form), 6);
  gtk_grid_set_column_spacing (GTK_GRID (self->form), 12);
  gtk_widget_set_parent (self->form, GTK_WIDGET (self));

  self->class_list = gtk_string_list_new (none);
  self->class_drop = gtk_drop_down_new (G_LIST_MODEL (self->class_list), NULL);
  add_row (self, 0, "_Map", self->class_drop);
  self->cmap_drop = add_row (self, 1, "_Colours", gtk_drop_down_new_from_strings (cmaps));
  self->nearest = gtk_toggle_button_new_with_label ("Nearest");
  self->bilinear = gtk_toggle_button_new_with_label ("Bilinear");
  gtk_widget_set_tooltip_text (self->nearest, "Cells as blocks, as the lesson drew fcn's 5x5 maps");
  gtk_widget_set_tooltip_text (self->bilinear, "Cells blended (the lesson's 22x40 maps)");
  gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (self->bilinear), GTK_TOGGLE_BUTTON (self->nearest));
  gtk_widget_add_css_class (cells, "linked");
  gtk_box_append (GTK_BOX (cells), self->nearest);
  gtk_box_append (GTK_BOX (cells), self->bilinear);
  add_row (self, 2, "C_ells", cells);
  self->opacity = add_row (self, 3, "_Opacity", new_slider (self));
  self->threshold = add_row (self, 4, "_Threshold", new_slider (self));
  gtk_widget_set_tooltip_text (self->threshold, "Cells below this share of the range are not coloured");
  self->range_drop = add_row (self, 5, "_Range", gtk_drop_down_new_from_strings (ranges));
  self->softmax = gtk_check_button_new_with_mnemonic ("_Softmax across classes");
  gtk_grid_attach (GTK_GRID (self->form), self->softmax, 1, 6, 1, 1);

  g_signal_connect_swapped (self->class_drop, "notify::selected", G_CALLBACK (read_widgets), self);
  g_signal_connect_swapped (self->cmap_drop, "notify::selected", G_CALLBACK (read_widgets), self);
  g_signal_connect_swapped (self->range_drop, "notify::selected", G_CALLBACK (read_widgets), self);
  g_signal_connect_swapped (self->bilinear, "toggled", G_CALLBACK (read_widgets), self);
  g_signal_connect_swapped (self->softmax, "toggled", G_CALLBACK (read_widgets), self);
  rebuild_class_list (self);
}

GtkWidget *
fathom_heatmap_controls_new (void)
{
  return g_object_new (FATHOM_TYPE_HEATMAP_CONTROLS, NULL);
}
