// PNG and JPEG decoding behind setjmp: libpng and libjpeg report every error by longjmp, which must never
// unwind Swift frames, so each entry point sets its own jump target and turns a failure into a status code.
#include "image_decode.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

static int fail(char *message, size_t capacity, int status, const char *text) {
    if (message && capacity) snprintf(message, capacity, "%s", text);
    return status;
}

static int check_size(long width, long height, long max_side, long max_pixels, char *message, size_t capacity) {
    if (width <= 0 || height <= 0) return fail(message, capacity, TAKEOFF_IMAGE_CORRUPT, "the header declares an empty image");
    if (width > max_side || height > max_side || width * height > max_pixels) {
        if (message && capacity)
            snprintf(message, capacity, "the header declares %ld x %ld pixels, over the limit of %ld per side and %ld in all",
                     width, height, max_side, max_pixels);
        return TAKEOFF_IMAGE_TOO_LARGE;
    }
    return TAKEOFF_IMAGE_OK;
}

static int is_png(const uint8_t *data, size_t size) { return size >= 8 && png_sig_cmp(data, 0, 8) == 0; }
static int is_jpeg(const uint8_t *data, size_t size) { return size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF; }

// MARK: PNG

struct png_memory {
    const uint8_t *data;
    size_t size, position;
};

struct png_failure {
    jmp_buf jump;
    char *message;
    size_t capacity;
};

static void png_fail(png_structp png, png_const_charp text) {
    struct png_failure *f = png_get_error_ptr(png);
    if (f->message && f->capacity) snprintf(f->message, f->capacity, "%s", text);
    longjmp(f->jump, 1);
}

static void png_ignore_warning(png_structp png, png_const_charp text) { (void)png; (void)text; }

static void png_read_memory(png_structp png, png_bytep out, png_size_t count) {
    struct png_memory *m = png_get_io_ptr(png);
    if (count > m->size - m->position) png_error(png, "the file ends early (truncated)");
    memcpy(out, m->data + m->position, count);
    m->position += count;
}

// Reads the header; with `pixels` also decodes into them. One function, so the probe and the decode
// read the header the same way.
static int png_read(const uint8_t *data, size_t size, long max_side, long max_pixels, takeoff_image_info *info,
                    int channels, uint8_t *pixels, size_t capacity, char *message, size_t message_capacity) {
    struct png_failure failure = {.message = message, .capacity = message_capacity};
    struct png_memory memory = {data, size, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure, png_fail, png_ignore_warning);
    if (!png) return fail(message, message_capacity, TAKEOFF_IMAGE_NO_MEMORY, "out of memory");
    png_infop header = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    volatile int status = TAKEOFF_IMAGE_CORRUPT;
    if (!header) {
        png_destroy_read_struct(&png, NULL, NULL);
        return fail(message, message_capacity, TAKEOFF_IMAGE_NO_MEMORY, "out of memory");
    }
    if (setjmp(failure.jump)) {
        free(rows);
        png_destroy_read_struct(&png, &header, NULL);
        return status;
    }
    // IHDR comes first (8 signature bytes, then length, type, width, height): check the size it declares before
    // libpng reads on, so that an oversized image is reported as such whatever follows its header.
    if (size >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        long declared_width = (long)data[16] << 24 | (long)data[17] << 16 | (long)data[18] << 8 | (long)data[19];
        long declared_height = (long)data[20] << 24 | (long)data[21] << 16 | (long)data[22] << 8 | (long)data[23];
        int checked = check_size(declared_width, declared_height, max_side, max_pixels, message, message_capacity);
        if (checked != TAKEOFF_IMAGE_OK) {
            png_destroy_read_struct(&png, &header, NULL);
            return checked;
        }
    }
    png_set_read_fn(png, &memory, png_read_memory);
    png_read_info(png, header);
    png_uint_32 width = png_get_image_width(png, header), height = png_get_image_height(png, header);
    int colour_type = png_get_color_type(png, header);
    info->format = TAKEOFF_IMAGE_PNG;
    info->width = (int)width;
    info->height = (int)height;
    info->colour = (colour_type & PNG_COLOR_MASK_COLOR) ? 3 : 1;
    int checked = check_size((long)width, (long)height, max_side, max_pixels, message, message_capacity);
    if (checked != TAKEOFF_IMAGE_OK || !pixels) {
        png_destroy_read_struct(&png, &header, NULL);
        return checked;
    }
    if (channels != 1 && channels != 3) {
        png_destroy_read_struct(&png, &header, NULL);
        return fail(message, message_capacity, TAKEOFF_IMAGE_CORRUPT, "channels must be 1 or 3");
    }
    if (channels == 1 && info->colour == 3) {
        png_destroy_read_struct(&png, &header, NULL);
        return fail(message, message_capacity, TAKEOFF_IMAGE_CORRUPT, "a colour image cannot be read as grey");
    }
    png_set_expand(png);              // palette to RGB, grey below 8 bits to 8, tRNS to alpha
#ifdef PNG_READ_SCALE_16_TO_8_SUPPORTED
    png_set_scale_16(png);            // 16 bits to 8, rounded (v * 255 / 65535)
#else
    png_set_strip_16(png);
#endif
    png_set_strip_alpha(png);
    if (channels == 3 && info->colour == 1) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, header);
    size_t row_bytes = png_get_rowbytes(png, header);
    if (row_bytes != (size_t)width * (size_t)channels || capacity < row_bytes * height) {
        png_destroy_read_struct(&png, &header, NULL);
        return fail(message, message_capacity, TAKEOFF_IMAGE_CORRUPT, "unexpected row layout after normalising");
    }
    rows = malloc(sizeof(png_bytep) * height);
    if (!rows) {
        png_destroy_read_struct(&png, &header, NULL);
        return fail(message, message_capacity, TAKEOFF_IMAGE_NO_MEMORY, "out of memory");
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &header, NULL);
    return TAKEOFF_IMAGE_OK;
}

// MARK: JPEG

struct jpeg_failure {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char *message;
    size_t capacity;
};

static void jpeg_fail(j_common_ptr jpeg) {
    struct jpeg_failure *f = (struct jpeg_failure *)jpeg->err;
    char text[JMSG_LENGTH_MAX];
    (*jpeg->err->format_message)(jpeg, text);
    if (f->message && f->capacity) snprintf(f->message, f->capacity, "%s", text);
    longjmp(f->jump, 1);
}

// A file that ends before its image data does is corrupt (libjpeg would pad it with grey and warn);
// other warnings (stray bytes between markers) leave a usable image, as in libjpeg's own tools.
static void jpeg_warn(j_common_ptr jpeg, int level) {
    if (level < 0 && jpeg->err->msg_code == JWRN_JPEG_EOF) jpeg_fail(jpeg);
}

static int jpeg_read(const uint8_t *data, size_t size, long max_side, long max_pixels, takeoff_image_info *info,
                     int channels, uint8_t *pixels, size_t capacity, char *message, size_t message_capacity) {
    struct jpeg_decompress_struct jpeg;
    struct jpeg_failure failure = {.message = message, .capacity = message_capacity};
    jpeg.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_fail;
    failure.manager.emit_message = jpeg_warn;
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&jpeg);
        return TAKEOFF_IMAGE_CORRUPT;
    }
    jpeg_create_decompress(&jpeg);
    jpeg_mem_src(&jpeg, (unsigned char *)data, (unsigned long)size);
    jpeg_read_header(&jpeg, TRUE);
    info->format = TAKEOFF_IMAGE_JPEG;
    info->width = (int)jpeg.image_width;
    info->height = (int)jpeg.image_height;
    info->colour = jpeg.jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
    int status = check_size((long)jpeg.image_width, (long)jpeg.image_height, max_side, max_pixels, message, message_capacity);
    if (status == TAKEOFF_IMAGE_OK && (jpeg.jpeg_color_space == JCS_CMYK || jpeg.jpeg_color_space == JCS_YCCK))
        status = fail(message, message_capacity, TAKEOFF_IMAGE_UNSUPPORTED,
                      "a CMYK JPEG (print colour); save it as RGB to use it");
    if (status != TAKEOFF_IMAGE_OK || !pixels) {
        jpeg_destroy_decompress(&jpeg);
        return status;
    }
    if ((channels != 1 && channels != 3) || (channels == 1 && info->colour == 3)) {
        jpeg_destroy_decompress(&jpeg);
        return fail(message, message_capacity, TAKEOFF_IMAGE_CORRUPT, "a colour image cannot be read as grey");
    }
    jpeg.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&jpeg);
    size_t row_bytes = (size_t)jpeg.output_width * (size_t)jpeg.output_components;
    if (jpeg.output_components != channels || row_bytes * jpeg.output_height > capacity) {
        jpeg_destroy_decompress(&jpeg);
        return fail(message, message_capacity, TAKEOFF_IMAGE_CORRUPT, "unexpected row layout after decoding");
    }
    while (jpeg.output_scanline < jpeg.output_height) {
        JSAMPROW row = pixels + (size_t)jpeg.output_scanline * row_bytes;
        jpeg_read_scanlines(&jpeg, &row, 1);
    }
    jpeg_finish_decompress(&jpeg);
    jpeg_destroy_decompress(&jpeg);
    return TAKEOFF_IMAGE_OK;
}

// MARK: Entry points

int takeoff_image_probe(const uint8_t *data, size_t size, long max_side, long max_pixels,
                        takeoff_image_info *info, char *message, size_t message_capacity) {
    if (is_png(data, size)) return png_read(data, size, max_side, max_pixels, info, 0, NULL, 0, message, message_capacity);
    if (is_jpeg(data, size)) return jpeg_read(data, size, max_side, max_pixels, info, 0, NULL, 0, message, message_capacity);
    return fail(message, message_capacity, TAKEOFF_IMAGE_NOT_IMAGE, "neither a PNG nor a JPEG (no PNG or JPEG signature)");
}

int takeoff_image_decode(const uint8_t *data, size_t size, const takeoff_image_info *expected, int channels,
                         uint8_t *pixels, size_t capacity, char *message, size_t message_capacity) {
    takeoff_image_info found = {0};
    // The limits are the probed size itself: an image that changed since probing cannot overrun `pixels`.
    long side = expected->width > expected->height ? expected->width : expected->height;
    long total = (long)expected->width * (long)expected->height;
    int status;
    if (is_png(data, size)) status = png_read(data, size, side, total, &found, channels, pixels, capacity, message, message_capacity);
    else if (is_jpeg(data, size)) status = jpeg_read(data, size, side, total, &found, channels, pixels, capacity, message, message_capacity);
    else return fail(message, message_capacity, TAKEOFF_IMAGE_NOT_IMAGE, "neither a PNG nor a JPEG (no PNG or JPEG signature)");
    if (status == TAKEOFF_IMAGE_OK && (found.width != expected->width || found.height != expected->height))
        return fail(message, message_capacity, TAKEOFF_IMAGE_CORRUPT, "the image changed while it was read");
    return status;
}

// MARK: Encoding

struct png_output {
    uint8_t *data;
    size_t size, capacity;
};

static void png_write_memory(png_structp png, png_bytep bytes, png_size_t count) {
    struct png_output *o = png_get_io_ptr(png);
    if (o->size + count > o->capacity) {
        size_t grown = o->capacity ? o->capacity : 4096;
        while (grown < o->size + count) grown *= 2;
        uint8_t *data = realloc(o->data, grown);
        if (!data) png_error(png, "out of memory");
        o->data = data;
        o->capacity = grown;
    }
    memcpy(o->data + o->size, bytes, count);
    o->size += count;
}

static void png_flush_memory(png_structp png) { (void)png; }

int takeoff_png_encode(const uint8_t *pixels, int width, int height, int colour_type, int bit_depth,
                       const uint8_t *palette, int palette_count, uint8_t **out, size_t *out_size,
                       char *message, size_t message_capacity) {
    struct png_failure failure = {.message = message, .capacity = message_capacity};
    struct png_output output = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure, png_fail, png_ignore_warning);
    if (!png) return fail(message, message_capacity, TAKEOFF_IMAGE_NO_MEMORY, "out of memory");
    png_infop header = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    struct png_output *volatile result = &output;
    if (!header) {
        png_destroy_write_struct(&png, NULL);
        return fail(message, message_capacity, TAKEOFF_IMAGE_NO_MEMORY, "out of memory");
    }
    if (setjmp(failure.jump)) {
        free(rows);
        free(result->data);
        png_destroy_write_struct(&png, &header);
        return TAKEOFF_IMAGE_CORRUPT;
    }
    png_set_write_fn(png, &output, png_write_memory, png_flush_memory);
    png_set_IHDR(png, header, (png_uint_32)width, (png_uint_32)height, bit_depth, colour_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (colour_type == PNG_COLOR_TYPE_PALETTE) {
        png_color entries[256];
        int count = palette_count < 256 ? palette_count : 256;
        for (int i = 0; i < count; i++) {
            entries[i].red = palette[3 * i];
            entries[i].green = palette[3 * i + 1];
            entries[i].blue = palette[3 * i + 2];
        }
        png_set_PLTE(png, header, entries, count);
    }
    png_write_info(png, header);
    int samples = colour_type == 0 || colour_type == 3 ? 1 : colour_type == 4 ? 2 : colour_type == 2 ? 3 : 4;
    size_t row_bytes = ((size_t)width * (size_t)samples * (size_t)bit_depth + 7) / 8;
    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) png_error(png, "out of memory");
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)pixels + (size_t)y * row_bytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &header);
    *out = output.data;
    *out_size = output.size;
    return TAKEOFF_IMAGE_OK;
}

int takeoff_jpeg_encode(const uint8_t *pixels, int width, int height, int components, int quality,
                        uint8_t **out, size_t *out_size, char *message, size_t message_capacity) {
    struct jpeg_compress_struct jpeg;
    struct jpeg_failure failure = {.message = message, .capacity = message_capacity};
    unsigned char *volatile buffer = NULL;
    unsigned long size = 0;
    jpeg.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_fail;
    if (setjmp(failure.jump)) {
        jpeg_destroy_compress(&jpeg);
        free(buffer);
        return TAKEOFF_IMAGE_CORRUPT;
    }
    jpeg_create_compress(&jpeg);
    jpeg_mem_dest(&jpeg, (unsigned char **)&buffer, &size);
    jpeg.image_width = (JDIMENSION)width;
    jpeg.image_height = (JDIMENSION)height;
    jpeg.input_components = components;
    jpeg.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 4 ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&jpeg);
    jpeg_set_quality(&jpeg, quality, TRUE);
    jpeg_start_compress(&jpeg, TRUE);
    size_t row_bytes = (size_t)width * (size_t)components;
    while (jpeg.next_scanline < jpeg.image_height) {
        JSAMPROW row = (JSAMPROW)pixels + (size_t)jpeg.next_scanline * row_bytes;
        jpeg_write_scanlines(&jpeg, &row, 1);
    }
    jpeg_finish_compress(&jpeg);
    jpeg_destroy_compress(&jpeg);
    *out = buffer;
    *out_size = size;
    return TAKEOFF_IMAGE_OK;
}

void takeoff_image_free(void *buffer) { free(buffer); }
