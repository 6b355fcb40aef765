/* fathom-cli-text.c: fathom-cli text-train and sample, the lesson's
 * character models (rnn-scratch, rnn, gru). */
#include "fathom-cli-private.h"
#include "fathom-text-experiment.h"

#include <math.h>

typedef struct {
  FathomTextConfig   config;
  FathomTextResult   result;
  FathomCliProgress  progress;
} TextTrain;

static gboolean
text_train_work (gpointer data, GCancellable *cancellable, GError **error)
{
  TextTrain *tt = data;

  return fathom_text_train (&tt->config, fathom_cli_progress, &tt->progress, cancellable, &tt->result, error);
}

int
fathom_cli_text_train (int argc, char **argv)
{
  g_autofree char *corpus = NULL, *run = NULL, *device = NULL, *candidate = NULL;
  int epochs = 1, batch = 64, hidden = 256, embedding = 42;
  gint64 seed = 0, max_sequences = 0;
  double lr = FATHOM_CLI_NOT_GIVEN, valid_fraction = 0, clip = 0;
  gboolean overwrite = FALSE, resume = FALSE;
  GOptionEntry entries[] = {
    { "corpus", 0, 0, G_OPTION_ARG_FILENAME, &corpus, "Text file (nietzsche.txt)", "FILE" },
    { "run", 0, 0, G_OPTION_ARG_FILENAME, &run, "Run folder to write", "RUNDIR" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, "Passes over the sequences (default 1)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Batch size of rnn and gru (default 64)", "B" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Learning rate (default 0.01 SGD for rnn-scratch, 1e-3 Adam)", "X" },
    { "hidden", 0, 0, G_OPTION_ARG_INT, &hidden, "Hidden units (default 256)", "H" },
    { "embedding", 0, 0, G_OPTION_ARG_INT, &embedding, "Embedding size of rnn and gru, 0 for none (default 42)", "E" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 0)", "S" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, "cpu (default) or cuda", "DEVICE" },
    { "candidate", 0, 0, G_OPTION_ARG_STRING, &candidate, "GRU candidate activation: tanh (default), relu, sigmoid", "ACT" },
    { "max-sequences", 0, 0, G_OPTION_ARG_INT64, &max_sequences, "Train on the first N windows only", "N" },
    { "valid-fraction", 0, 0, G_OPTION_ARG_DOUBLE, &valid_fraction, "Hold out the last windows (default 0)", "F" },
    { "clip", 0, 0, G_OPTION_ARG_DOUBLE, &clip, "rnn-scratch: clip the gradient norm (default 0, none, as the lesson)", "C" },
    { "overwrite", 0, 0, G_OPTION_ARG_NONE, &overwrite, "Replace a run already in RUNDIR", NULL },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &resume, "Continue the stopped or interrupted run in RUNDIR from its last epoch (same options)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("MODEL — train rnn-scratch, rnn or gru on a text, as lesson 6");
  TextTrain tt = { 0 };
  GError *error = NULL;
  gboolean stopped;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!fathom_cli_parse (context, &argc, &argv))
    return 2;
  fathom_text_config_init (&tt.config);
  if (argc != 2 || corpus == NULL || run == NULL)
    {
      g_printerr ("Usage: fathom-cli text-train rnn-scratch|rnn|gru --corpus FILE --run RUNDIR [--epochs N] [--batch B]\n"
                  "       [--lr X] [--hidden H] [--seed S] [--device cpu|cuda] [--candidate tanh|relu|sigmoid]\n"
                  "       [--max-sequences N] [--valid-fraction F] [--embedding E] [--clip C] [--overwrite | --resume]\n");
      return 2;
    }
  {
    const char *bad = NULL;

    if (!fathom_text_model_from_string (argv[1], &tt.config.model))
      {
        g_printerr ("fathom-cli: unknown model “%s” (rnn-scratch, rnn or gru)\n", argv[1]);
        return 2;
      }
    if (epochs < 1 || batch < 1 || hidden < 1)
      bad = "--epochs, --batch and --hidden must be at least 1";
    else if (embedding < 0 || seed < 0 || max_sequences < 0 || clip < 0 || !isfinite (clip))
      bad = "--embedding, --seed, --max-sequences and --clip must not be negative";
    else if (lr != FATHOM_CLI_NOT_GIVEN && !(lr > 0 && isfinite (lr)))
      bad = "--lr must be a rate above 0";
    else if (!(valid_fraction >= 0 && valid_fraction < 1))
      bad = "--valid-fraction must be at least 0 and below 1";
    else if (overwrite && resume)
      bad = "--overwrite and --resume exclude each other";
    if (bad != NULL)
      {
        g_printerr ("fathom-cli: %s\n", bad);
        return 2;
      }
  }
  if (candidate == NULL || g_str_equal (candidate, "tanh"))
    tt.config.candidate = FATHOM_ACTIVATION_TANH;
  else if (g_str_equal (candidate, "relu"))
    tt.config.candidate = FATHOM_ACTIVATION_RELU;
  else if (g_str_equal (candidate, "sigmoid"))
    tt.config.candidate = FATHOM_ACTIVATION_SIGMOID;
  else
    {
      g_printerr ("fathom-cli: unknown candidate activation “%s” (tanh, relu or sigmoid)\n", candidate);
      return 2;
    }
  tt.config.corpus_path = corpus;
  tt.config.run_dir = run;
  tt.config.overwrite = overwrite;
  tt.config.resume = resume;
  tt.config.device = device != NULL ? device : "cpu";
  tt.config.epochs = (guint) epochs;
  tt.config.batch_size = (guint) batch;
  tt.config.lr = lr == FATHOM_CLI_NOT_GIVEN ? 0 : lr;     /* the config's 0: the model's default */
  tt.config.hidden = (guint) hidden;
  tt.config.embedding = (guint) embedding;
  tt.config.seed = (guint64) seed;
  tt.config.max_sequences = (gsize) max_sequences;
  tt.config.valid_fraction = valid_fraction;
  tt.config.clip = clip;

  fathom_cli_progress_init (&tt.progress, "nats/char", "seq/s");
  if (!fathom_cli_run_in_worker (text_train_work, &tt, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return fathom_cli_fail (error);
  stopped = error != NULL;
  g_print ("%s %s: %" G_GINT64_FORMAT " sequences in %.1f s", argv[1], stopped ? "stopped" : "finished",
           tt.result.sequences, tt.result.seconds);
  if (isfinite (tt.result.train_loss))
    g_print ("; train loss %.4f nats/char (last epoch's mean)", tt.result.train_loss);
  else
    g_print ("; no epoch completed");
  if (isfinite (tt.result.val_loss))
    g_print (", validation %.4f", tt.result.val_loss);
  if (isfinite (tt.result.seq_loss_first))
    g_print ("; summed loss per sequence, mean of the first and last 1000: %.2f -> %.2f (%.3f nats/char)",
             tt.result.seq_loss_first, tt.result.seq_loss_last, tt.result.seq_loss_last / FATHOM_TEXT_SEQ_LEN);
  g_print ("\nRun folder: %s\n", run);
  if (stopped)
    {
      g_error_free (error);
      return 130;       /* interrupted, as a shell reports SIGINT */
    }
  return 0;
}

int
fathom_cli_sample (int argc, char **argv)
{
  g_autofree char *run = NULL, *prime = NULL, *text = NULL;
  int length = 400, epoch = 0;
  double temperature = 1.0;
  gint64 seed = 0;
  GOptionEntry entries[] = {
    { "run", 0, 0, G_OPTION_ARG_FILENAME, &run, "Run folder of text-train", "RUNDIR" },
    { "length", 'n', 0, G_OPTION_ARG_INT, &length, "Characters to generate (default 400)", "N" },
    { "temperature", 't', 0, G_OPTION_ARG_DOUBLE, &temperature, "Sharpen (< 1) or flatten (> 1); 0 picks the most likely (default 1)", "T" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 0)", "S" },
    { "prime", 'p', 0, G_OPTION_ARG_STRING, &prime, "Text to start from (default: the lesson's)", "TEXT" },
    { "epoch", 'e', 0, G_OPTION_ARG_INT, &epoch, "Sample from the checkpoint of this epoch (default: the final weights)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— generate text from a trained rnn-scratch, rnn or gru");
  g_autoptr(FathomTextSampler) sampler = NULL;
  GError *error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!fathom_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 1 || run == NULL)
    {
      g_printerr ("Usage: fathom-cli sample --run RUNDIR --length N --temperature T --seed S [--prime TEXT] [--epoch N]\n");
      return 2;
    }
  if (length < 0 || seed < 0 || epoch < 0 || !(temperature >= 0 && isfinite (temperature)))
    {
      g_printerr ("fathom-cli: --length, --seed and --epoch must not be negative, and --temperature must be 0 "
                  "(the most likely character) or above\n");
      return 2;
    }
  if (epoch > 0)
    {
      g_autofree char *name = fathom_run_epoch_checkpoint_name ((guint) epoch);
      g_autofree char *path = g_build_filename (run, name, NULL);
      guint last = 0;
      g_autofree char *last_path = fathom_run_find_last_checkpoint (run, &last);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_autofree char *json = g_build_filename (run, "run.json", NULL);

          if (!g_file_test (json, G_FILE_TEST_EXISTS))
            {
              fathom_run_info_set_missing_error (run, name, &error);
              return fathom_cli_fail (error);
            }
          if (last_path != NULL)
            g_printerr ("fathom-cli: the run in %s has no checkpoint of epoch %d (its last is epoch %u)\n", run,
                        epoch, last);
          else
            g_printerr ("fathom-cli: the run in %s has no epoch checkpoints\n", run);
          return 1;
        }
      sampler = fathom_text_sampler_new_from_file (path, &error);
    }
  else
    sampler = fathom_text_sampler_new (run, &error);
  if (sampler == NULL)
    return fathom_cli_fail (error);
  text = fathom_text_sampler_generate (sampler, prime, (guint) length, temperature, (guint64) seed, &error);
  if (text == NULL)
    return fathom_cli_fail (error);
  g_print ("%s%s\n", prime != NULL ? prime : FATHOM_TEXT_DEFAULT_PRIME, text);
  return 0;
}
