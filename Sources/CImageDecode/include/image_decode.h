// PNG (libpng) and JPEG (libjpeg-turbo) decoding and encoding from memory for image folders.
// Both libraries report errors by longjmp; every function here catches that with setjmp and returns a
// code and a message instead, so no longjmp ever crosses into Swift.
#ifndef TAKEOFF_IMAGE_DECODE_H
#define TAKEOFF_IMAGE_DECODE_H

#include <stddef.h>
#include <stdint.h>

/// What a call returns.
enum takeoff_image_status {
    TAKEOFF_IMAGE_OK = 0,
    /// Neither a PNG nor a JPEG signature.
    TAKEOFF_IMAGE_NOT_IMAGE = 1,
    /// A PNG or JPEG that the library rejects (truncated, bad CRC, bad marker, ...): the message says why.
    TAKEOFF_IMAGE_CORRUPT = 2,
    /// The header declares more pixels than allowed; nothing was allocated for them.
    TAKEOFF_IMAGE_TOO_LARGE = 3,
    /// A valid image in a form that is not read (CMYK or YCCK JPEG).
    TAKEOFF_IMAGE_UNSUPPORTED = 4,
    /// Memory ran out.
    TAKEOFF_IMAGE_NO_MEMORY = 5,
};

/// The container a file turned out to be.
enum takeoff_image_format { TAKEOFF_IMAGE_PNG = 1, TAKEOFF_IMAGE_JPEG = 2 };

/// What the header says.
typedef struct {
    int format;   // takeoff_image_format
    int width;
    int height;
    int colour;   // 1: grey (with or without alpha), 3: colour (RGB, palette, with or without alpha)
} takeoff_image_info;

/// Reads only the header of the PNG or JPEG in `data`. Fails with TOO_LARGE when a side exceeds `max_side`
/// or width × height exceeds `max_pixels`.
int takeoff_image_probe(const uint8_t *data, size_t size, long max_side, long max_pixels,
                        takeoff_image_info *info, char *message, size_t message_capacity);

/// Decodes the PNG or JPEG in `data` into `pixels` (`width * height * channels` bytes, rows top to bottom,
/// channels interleaved), normalised to 8 bits: palettes and low bit depths expanded, 16 bits scaled to 8,
/// alpha dropped, grey replicated when `channels` is 3. `channels` is 1 or 3; 1 for a colour image fails.
/// `expected` is what probing said; the decode fails if the image disagrees (or exceeds the same limits).
int takeoff_image_decode(const uint8_t *data, size_t size, const takeoff_image_info *expected, int channels,
                         uint8_t *pixels, size_t capacity, char *message, size_t message_capacity);

/// Encodes rows as a PNG: `pixels` hold `height` rows of `width` samples in PNG colour type `colour_type`
/// (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA) at `bit_depth` (8, or 16 big-endian; 1, 2, 4, 8 for
/// palettes, packed); `palette` holds `palette_count` RGB triples for colour type 3. On success `*out` is a
/// buffer of `*out_size` bytes to release with takeoff_image_free.
int takeoff_png_encode(const uint8_t *pixels, int width, int height, int colour_type, int bit_depth,
                       const uint8_t *palette, int palette_count, uint8_t **out, size_t *out_size,
                       char *message, size_t message_capacity);

/// Encodes 8-bit pixels with `components` channels (1 grey, 3 RGB, 4 CMYK) as a baseline JPEG of `quality`.
int takeoff_jpeg_encode(const uint8_t *pixels, int width, int height, int components, int quality,
                        uint8_t **out, size_t *out_size, char *message, size_t message_capacity);

/// Releases a buffer returned by an encoder.
void takeoff_image_free(void *buffer);

#endif
