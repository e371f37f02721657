// zlib from Debian (zlib1g-dev): gzip decompression for the data readers.
#include <zlib.h>
