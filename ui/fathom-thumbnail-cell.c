/* fathom-thumbnail-cell.c: a photo of the browser's grid (see
 * fathom-thumbnail-cell.h). */
#include "fathom-thumbnail-cell.h"

struct _FathomThumbnailCell
{
  GtkWidget                parent_instance;

  /* owned */
  FathomThumbnailCache    *cache;
  FathomDatasetItemObject *item;
  char                    *error;

  /* borrowed: inside box, our only child */
  GtkWidget               *box;
  GtkWidget               *frame;
  GtkWidget               *picture;
  GtkWidget               *icon;
  GtkWidget               *badge;
  GtkWidget               *caption;

  FathomThumbnailCellState state;
  guint                    token;
};

G_DEFINE_FINAL_TYPE (FathomThumbnailCell, fathom_thumbnail_cell, GTK_TYPE_WIDGET)

/* Colours from libadwaita's named ones, so dark mode follows. */
static const char cell_css[] =
  ".fathom-thumb { background-color: alpha(currentColor, 0.06); border-radius: 6px; }\n"
  ".fathom-thumb.error { background-color: alpha(@error_color, 0.12); }\n"
  ".fathom-thumb-caption { font-size: smaller; }\n";

static void
ensure_css (GtkWidget *widget)
{
  GdkDisplay *display = gtk_widget_get_display (widget);
  GtkCssProvider *provider;

  if (display == NULL || g_object_get_data (G_OBJECT (display), "fathom-thumbnail-cell-css") != NULL)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, cell_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "fathom-thumbnail-cell-css", provider, g_object_unref);
}

static void
show_state (FathomThumbnailCell     *self,
            FathomThumbnailCellState state,
            GdkTexture              *texture)
{
  self->state = state;
  gtk_picture_set_paintable (GTK_PICTURE (self->picture), GDK_PAINTABLE (texture));
  gtk_widget_set_visible (self->icon, state == FATHOM_THUMBNAIL_CELL_LOADING ||
                                      state == FATHOM_THUMBNAIL_CELL_FAILED);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), state == FATHOM_THUMBNAIL_CELL_FAILED
                                                        ? "image-missing-symbolic"
                                                        : "image-x-generic-symbolic");
  if (state == FATHOM_THUMBNAIL_CELL_FAILED)
    {
      gtk_widget_add_css_class (self->frame, "error");
      gtk_widget_add_css_class (self->icon, "error");
      gtk_widget_remove_css_class (self->icon, "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (self->frame, "error");
      gtk_widget_remove_css_class (self->icon, "error");
      gtk_widget_add_css_class (self->icon, "dim-label");
    }
}

static void
thumbnail_ready (FathomThumbnailCache *cache,
                 guint                 token,
                 const char           *path,
                 GdkTexture           *texture,
                 const char           *error_message,
                 gpointer              user_data)
{
  FathomThumbnailCell *self = user_data;

  self->token = 0;
  if (texture != NULL)
    {
      show_state (self, FATHOM_THUMBNAIL_CELL_LOADED, texture);
      return;
    }
  show_state (self, FATHOM_THUMBNAIL_CELL_FAILED, NULL);
  g_free (self->error);
  self->error = g_strdup (error_message);
  gtk_widget_set_tooltip_text (self->frame, error_message);
}

void
fathom_thumbnail_cell_bind (FathomThumbnailCell     *self,
                            FathomDatasetItemObject *item)
{
  g_autofree char *label = NULL;
  g_autofree char *caption = NULL;
  const char *class_name;

  g_return_if_fail (FATHOM_IS_THUMBNAIL_CELL (self));
  g_return_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (item));

  fathom_thumbnail_cell_unbind (self);
  self->item = g_object_ref (item);
  label = fathom_dataset_item_object_describe (item);
  class_name = fathom_dataset_item_object_get_class_name (item);
  caption = class_name != NULL
            ? g_strdup_printf ("%s · %s", fathom_dataset_item_object_get_basename (item), class_name)
            : g_strdup (fathom_dataset_item_object_get_basename (item));
  gtk_label_set_text (GTK_LABEL (self->caption), caption);
  gtk_widget_set_tooltip_text (self->frame, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_visible (self->badge, fathom_dataset_item_object_get_problems (item) != 0);
  show_state (self, FATHOM_THUMBNAIL_CELL_LOADING, NULL);
  /* a cached thumbnail arrives before this returns, with token 0 */
  self->token = fathom_thumbnail_cache_request (self->cache, fathom_dataset_item_object_get_filename (item),
                                                thumbnail_ready, self);
}

void
fathom_thumbnail_cell_unbind (FathomThumbnailCell *self)
{
  g_return_if_fail (FATHOM_IS_THUMBNAIL_CELL (self));

  fathom_thumbnail_cache_cancel (self->cache, self->token);
  self->token = 0;
  g_clear_object (&self->item);
  g_clear_pointer (&self->error, g_free);
  /* the texture goes too: memory stays bounded by the cache and the
   * bound cells */
  show_state (self, FATHOM_THUMBNAIL_CELL_EMPTY, NULL);
}

void
fathom_thumbnail_cell_promote (FathomThumbnailCell *self)
{
  g_return_if_fail (FATHOM_IS_THUMBNAIL_CELL (self));
  fathom_thumbnail_cache_promote (self->cache, self->token);
}

FathomThumbnailCellState
fathom_thumbnail_cell_get_state (FathomThumbnailCell *self)
{
  g_return_val_if_fail (FATHOM_IS_THUMBNAIL_CELL (self), FATHOM_THUMBNAIL_CELL_EMPTY);
  return self->state;
}

FathomDatasetItemObject *
fathom_thumbnail_cell_get_item (FathomThumbnailCell *self)
{
  g_return_val_if_fail (FATHOM_IS_THUMBNAIL_CELL (self), NULL);
  return self->item;
}

GdkTexture *
fathom_thumbnail_cell_get_texture (FathomThumbnailCell *self)
{
  g_return_val_if_fail (FATHOM_IS_THUMBNAIL_CELL (self), NULL);
  return self->state == FATHOM_THUMBNAIL_CELL_LOADED
         ? GDK_TEXTURE (gtk_picture_get_paintable (GTK_PICTURE (self->picture))) : NULL;
}

const char *
fathom_thumbnail_cell_get_error (FathomThumbnailCell *self)
{
  g_return_val_if_fail (FATHOM_IS_THUMBNAIL_CELL (self), NULL);
  return self->error;
}

static void
fathom_thumbnail_cell_dispose (GObject *object)
{
  FathomThumbnailCell *self = FATHOM_THUMBNAIL_CELL (object);

  /* no callback may reach a cell on its way out */
  if (self->cache != NULL)
    fathom_thumbnail_cache_cancel (self->cache, self->token);
  self->token = 0;
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->item);
  g_clear_object (&self->cache);
  g_clear_pointer (&self->error, g_free);
  G_OBJECT_CLASS (fathom_thumbnail_cell_parent_class)->dispose (object);
}

static void
fathom_thumbnail_cell_class_init (FathomThumbnailCellClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = fathom_thumbnail_cell_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fathom-thumbnail-cell");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
fathom_thumbnail_cell_init (FathomThumbnailCell *self)
{
  ensure_css (GTK_WIDGET (self));
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  self->frame = gtk_overlay_new ();
  gtk_widget_add_css_class (self->frame, "fathom-thumb");
  gtk_widget_set_overflow (self->frame, GTK_OVERFLOW_HIDDEN);
  self->picture = gtk_picture_new ();
  gtk_picture_set_can_shrink (GTK_PICTURE (self->picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (self->picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_overlay_set_child (GTK_OVERLAY (self->frame), self->picture);
  self->icon = gtk_image_new ();
  gtk_image_set_pixel_size (GTK_IMAGE (self->icon), 32);
  gtk_widget_add_css_class (self->icon, "dim-label");
  gtk_widget_set_halign (self->icon, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->icon, GTK_ALIGN_CENTER);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->frame), self->icon);
  self->badge = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  gtk_widget_add_css_class (self->badge, "warning");
  gtk_widget_set_halign (self->badge, GTK_ALIGN_END);
  gtk_widget_set_valign (self->badge, GTK_ALIGN_START);
  gtk_widget_set_margin_top (self->badge, 4);
  gtk_widget_set_margin_end (self->badge, 4);
  gtk_widget_set_visible (self->badge, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->frame), self->badge);
  self->caption = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (self->caption), PANGO_ELLIPSIZE_MIDDLE);
  /* never wider than the frame: long names ellipsize instead */
  gtk_label_set_max_width_chars (GTK_LABEL (self->caption), 1);
  gtk_widget_add_css_class (self->caption, "fathom-thumb-caption");
  gtk_box_append (GTK_BOX (self->box), self->frame);
  gtk_box_append (GTK_BOX (self->box), self->caption);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  show_state (self, FATHOM_THUMBNAIL_CELL_EMPTY, NULL);
}

GtkWidget *
fathom_thumbnail_cell_new (FathomThumbnailCache *cache)
{
  FathomThumbnailCell *self;
  int w, h;

  g_return_val_if_fail (FATHOM_IS_THUMBNAIL_CACHE (cache), NULL);

  self = g_object_new (FATHOM_TYPE_THUMBNAIL_CELL, NULL);
  self->cache = g_object_ref (cache);
  fathom_thumbnail_cache_get_max_size (cache, &w, &h);
  gtk_widget_set_size_request (self->frame, w, h);
  return GTK_WIDGET (self);
}
