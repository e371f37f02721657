// libpng from Debian (libpng-dev): decoding and writing PNG images for image folders.
#include <png.h>
