// libjpeg-turbo from Debian (libjpeg62-turbo-dev): decoding and writing JPEG images for image folders.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
