/* fathom-thumbnail-grid.c: the browser's grid view (see
 * fathom-thumbnail-grid.h). */
#include "fathom-thumbnail-grid.h"

#include "fathom-thumbnail-cell.h"

struct _FathomThumbnailGrid
{
  GtkWidget             parent_instance;

  /* owned */
  FathomThumbnailCache *cache;
  GtkSingleSelection   *selection;

  /* borrowed: grid_view inside scrolled, our only child */
  GtkWidget            *scrolled;
  GtkWidget            *grid_view;

  gboolean              promote_pending;
  guint                 columns_idle;
  gulong                after_paint_id;
};

G_DEFINE_FINAL_TYPE (FathomThumbnailGrid, fathom_thumbnail_grid, GTK_TYPE_WIDGET)

enum {
  ITEM_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            FathomThumbnailGrid      *self)
{
  gtk_list_item_set_child (list_item, fathom_thumbnail_cell_new (self->cache));
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           FathomThumbnailGrid      *self)
{
  fathom_thumbnail_cell_bind (FATHOM_THUMBNAIL_CELL (gtk_list_item_get_child (list_item)),
                              gtk_list_item_get_item (list_item));
}

static void
unbind_cell (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             FathomThumbnailGrid      *self)
{
  fathom_thumbnail_cell_unbind (FATHOM_THUMBNAIL_CELL (gtk_list_item_get_child (list_item)));
}

static void
grid_activated (FathomThumbnailGrid *self,
                guint                position)
{
  g_signal_emit (self, signals[ITEM_ACTIVATED], 0, position);
}

/* Once per painted frame after a scroll or a model change, when the cells
 * are bound: bottom up, since each promotion goes to the front. */
static void
promote_visible (GdkFrameClock       *clock,
                 FathomThumbnailGrid *self)
{
  int height = gtk_widget_get_height (self->scrolled);

  if (!self->promote_pending)
    return;
  self->promote_pending = FALSE;
  for (GtkWidget *child = gtk_widget_get_last_child (self->grid_view); child != NULL;
       child = gtk_widget_get_prev_sibling (child))
    {
      GtkWidget *cell = gtk_widget_get_first_child (child);
      graphene_rect_t b;

      if (FATHOM_IS_THUMBNAIL_CELL (cell) &&
          fathom_thumbnail_cell_get_state (FATHOM_THUMBNAIL_CELL (cell)) == FATHOM_THUMBNAIL_CELL_LOADING &&
          gtk_widget_compute_bounds (child, self->scrolled, &b) &&
          b.origin.y + b.size.height > 0 && b.origin.y < height)
        fathom_thumbnail_cell_promote (FATHOM_THUMBNAIL_CELL (cell));
    }
}

static void
schedule_promote (FathomThumbnailGrid *self)
{
  self->promote_pending = TRUE;
}

/* As many columns as fit, which is what the grid shows anyway; set after
 * the allocation, not inside it. */
static gboolean
fit_columns (gpointer data)
{
  FathomThumbnailGrid *self = data;
  GtkWidget *cell = gtk_widget_get_first_child (self->grid_view);
  int width = gtk_widget_get_width (self->scrolled), cell_width = 0;
  guint columns;

  self->columns_idle = 0;
  if (cell != NULL)
    gtk_widget_measure (cell, GTK_ORIENTATION_HORIZONTAL, -1, &cell_width, NULL, NULL, NULL);
  if (cell_width <= 0 || width <= 0)
    return G_SOURCE_REMOVE;
  columns = (guint) CLAMP (width / cell_width, 1, 32);
  if (columns != gtk_grid_view_get_max_columns (GTK_GRID_VIEW (self->grid_view)))
    gtk_grid_view_set_max_columns (GTK_GRID_VIEW (self->grid_view), columns);
  return G_SOURCE_REMOVE;
}

void
fathom_thumbnail_grid_set_model (FathomThumbnailGrid *self,
                                 GListModel          *model)
{
  g_return_if_fail (FATHOM_IS_THUMBNAIL_GRID (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  gtk_single_selection_set_model (self->selection, model);
  schedule_promote (self);
}

GtkGridView *
fathom_thumbnail_grid_get_grid_view (FathomThumbnailGrid *self)
{
  g_return_val_if_fail (FATHOM_IS_THUMBNAIL_GRID (self), NULL);
  return GTK_GRID_VIEW (self->grid_view);
}

GtkScrolledWindow *
fathom_thumbnail_grid_get_scrolled_window (FathomThumbnailGrid *self)
{
  g_return_val_if_fail (FATHOM_IS_THUMBNAIL_GRID (self), NULL);
  return GTK_SCROLLED_WINDOW (self->scrolled);
}

static void
fathom_thumbnail_grid_measure (GtkWidget      *widget,
                               GtkOrientation  orientation,
                               int             for_size,
                               int            *minimum,
                               int            *natural,
                               int            *minimum_baseline,
                               int            *natural_baseline)
{
  gtk_widget_measure (FATHOM_THUMBNAIL_GRID (widget)->scrolled, orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static void
fathom_thumbnail_grid_size_allocate (GtkWidget *widget,
                                     int        width,
                                     int        height,
                                     int        baseline)
{
  FathomThumbnailGrid *self = FATHOM_THUMBNAIL_GRID (widget);

  gtk_widget_allocate (self->scrolled, width, height, baseline, NULL);
  if (self->columns_idle == 0)
    self->columns_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, fit_columns, self, NULL);
}

static void
fathom_thumbnail_grid_realize (GtkWidget *widget)
{
  FathomThumbnailGrid *self = FATHOM_THUMBNAIL_GRID (widget);

  GTK_WIDGET_CLASS (fathom_thumbnail_grid_parent_class)->realize (widget);
  self->after_paint_id = g_signal_connect (gtk_widget_get_frame_clock (widget), "after-paint",
                                           G_CALLBACK (promote_visible), self);
}

static void
fathom_thumbnail_grid_unrealize (GtkWidget *widget)
{
  FathomThumbnailGrid *self = FATHOM_THUMBNAIL_GRID (widget);

  g_clear_signal_handler (&self->after_paint_id, gtk_widget_get_frame_clock (widget));
  GTK_WIDGET_CLASS (fathom_thumbnail_grid_parent_class)->unrealize (widget);
}

static void
fathom_thumbnail_grid_dispose (GObject *object)
{
  FathomThumbnailGrid *self = FATHOM_THUMBNAIL_GRID (object);

  g_clear_handle_id (&self->columns_idle, g_source_remove);
  /* the cells first: they cancel their requests on the way out */
  g_clear_pointer (&self->scrolled, gtk_widget_unparent);
  g_clear_object (&self->selection);
  g_clear_object (&self->cache);
  G_OBJECT_CLASS (fathom_thumbnail_grid_parent_class)->dispose (object);
}

static void
fathom_thumbnail_grid_class_init (FathomThumbnailGridClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = fathom_thumbnail_grid_dispose;
  widget_class->measure = fathom_thumbnail_grid_measure;
  widget_class->size_allocate = fathom_thumbnail_grid_size_allocate;
  widget_class->realize = fathom_thumbnail_grid_realize;
  widget_class->unrealize = fathom_thumbnail_grid_unrealize;

  /* A photo was activated (double click, Enter): its model position. */
  signals[ITEM_ACTIVATED] = g_signal_new ("item-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_css_name (widget_class, "fathom-thumbnail-grid");
}

static void
fathom_thumbnail_grid_init (FathomThumbnailGrid *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  self->selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), self);
  self->grid_view = gtk_grid_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)),
                                       g_object_ref (factory));
  gtk_grid_view_set_max_columns (GTK_GRID_VIEW (self->grid_view), 8);      /* until allocated */
  gtk_widget_set_margin_start (self->grid_view, 6);
  gtk_widget_set_margin_end (self->grid_view, 6);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->grid_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Dataset photos", -1);
  g_signal_connect_swapped (self->grid_view, "activate", G_CALLBACK (grid_activated), self);
  self->scrolled = gtk_scrolled_window_new ();
  /* the grid's ground, margins included */
  gtk_widget_add_css_class (self->scrolled, "view");
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scrolled), self->grid_view);
  g_signal_connect_swapped (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scrolled)),
                            "value-changed", G_CALLBACK (schedule_promote), self);
  g_signal_connect_swapped (self->selection, "items-changed", G_CALLBACK (schedule_promote), self);
  gtk_widget_set_parent (self->scrolled, GTK_WIDGET (self));
}

GtkWidget *
fathom_thumbnail_grid_new (FathomThumbnailCache *cache)
{
  FathomThumbnailGrid *self;

  g_return_val_if_fail (FATHOM_IS_THUMBNAIL_CACHE (cache), NULL);

  self = g_object_new (FATHOM_TYPE_THUMBNAIL_GRID, NULL);
  self->cache = g_object_ref (cache);
  return GTK_WIDGET (self);
}
