/* fathom-cuda-cudnn-loader.h: cuDNN loaded at run time (private; the
 * only users are fathom-cuda-cudnn.c and its loader).
 *
 * The build needs cuDNN's headers only: the front library libcudnn.so.9
 * is dlopen()ed the first time a backend asks for a cuDNN handle, and
 * every function we call is looked up once into a table shared by the
 * whole process. A machine without it (or with one that lacks a function)
 * still runs every program; convolutions then stay on our own path and
 * the reason says why. The library stays loaded for the life of the
 * process: handles and descriptors of live backends point into it.
 *
 * Each table entry has the header's own prototype (__typeof__ of the
 * declaration), so calling one with the wrong arguments is a compile
 * error, as a direct call would be.
 */
#pragma once

#include <cudnn.h>
#include <glib.h>

G_BEGIN_DECLS

/* The soname the loader asks for: cuDNN 9's front library, which loads
 * its sub-libraries (libcudnn_ops, libcudnn_cnn, ...) itself. */
#define FATHOM_CUDNN_SONAME "libcudnn.so.9"

/* Every cuDNN function fathom-cuda-cudnn.c calls. */
#define FATHOM_CUDNN_FUNCTIONS(X)                       \
  X (cudnnGetVersion)                                   \
  X (cudnnGetErrorString)                               \
  X (cudnnGetLastErrorString)                           \
  X (cudnnCreate)                                       \
  X (cudnnDestroy)                                      \
  X (cudnnSetStream)                                    \
  X (cudnnOpsVersionCheck)                              \
  X (cudnnCnnVersionCheck)                              \
  X (cudnnCreateTensorDescriptor)                       \
  X (cudnnDestroyTensorDescriptor)                      \
  X (cudnnSetTensor4dDescriptor)                        \
  X (cudnnCreateFilterDescriptor)                       \
  X (cudnnDestroyFilterDescriptor)                      \
  X (cudnnSetFilter4dDescriptor)                        \
  X (cudnnCreateConvolutionDescriptor)                  \
  X (cudnnDestroyConvolutionDescriptor)                 \
  X (cudnnSetConvolution2dDescriptor)                   \
  X (cudnnSetConvolutionMathType)                       \
  X (cudnnGetConvolution2dForwardOutputDim)             \
  X (cudnnGetConvolutionForwardAlgorithm_v7)            \
  X (cudnnGetConvolutionForwardWorkspaceSize)           \
  X (cudnnGetConvolutionBackwardDataAlgorithm_v7)       \
  X (cudnnGetConvolutionBackwardDataWorkspaceSize)      \
  X (cudnnGetConvolutionBackwardFilterAlgorithm_v7)     \
  X (cudnnGetConvolutionBackwardFilterWorkspaceSize)    \
  X (cudnnConvolutionForward)                           \
  X (cudnnAddTensor)                                    \
  X (cudnnConvolutionBackwardBias)                      \
  X (cudnnConvolutionBackwardData)                      \
  X (cudnnConvolutionBackwardFilter)                    \
  X (cudnnFindConvolutionForwardAlgorithmEx)            \
  X (cudnnFindConvolutionBackwardDataAlgorithmEx)       \
  X (cudnnFindConvolutionBackwardFilterAlgorithmEx)     \
  X (cudnnConvolutionBiasActivationForward)             \
  X (cudnnCreateActivationDescriptor)                   \
  X (cudnnSetActivationDescriptor)                      \
  X (cudnnDestroyActivationDescriptor)

typedef struct
{
#define FATHOM_CUDNN_MEMBER(name) __typeof__ (name) *name;
  FATHOM_CUDNN_FUNCTIONS (FATHOM_CUDNN_MEMBER)
#undef FATHOM_CUDNN_MEMBER
} FathomCudnnApi;

/* The table, loaded on the first call (from any thread; later calls
 * return at once). NULL when the library or one of its functions is
 * missing, with @reason set to why (owned by the loader, never freed):
 * "libcudnn.so.9 not found: <dlerror>". @reason may be NULL. */
const FathomCudnnApi *fathom_cudnn_api_load (const char **reason);

/* The table of a load that succeeded; only code reached through a cuDNN
 * handle calls it, and a handle exists only after such a load. */
const FathomCudnnApi *fathom_cudnn_api (void);

G_END_DECLS
