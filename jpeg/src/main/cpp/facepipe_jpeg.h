// Thin layer over libjpeg-turbo (Debian's libjpeg62-turbo, built with its SIMD code) that the
// JavaCPP binding calls: read a JPEG's output size at a DCT scale, and decode it into caller-owned
// BGR rows. libjpeg reports fatal errors through error_exit, whose default ends the process: here it
// jumps back and the call returns the library's message instead. Warnings (damaged but decodable
// data) are counted, not printed.
#pragma once
#include <csetjmp>
#include <dlfcn.h>
#include <cstdio>
#include <cstring>
#include <jpeglib.h>

struct FpJpegError {
    jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    int warnings;
};

static void fp_jpeg_error_exit(j_common_ptr c) {
    FpJpegError* e = reinterpret_cast<FpJpegError*>(c->err);
    (*c->err->format_message)(c, e->message);
    longjmp(e->jump, 1);
}

static void fp_jpeg_emit_message(j_common_ptr c, int level) {
    if (level < 0) reinterpret_cast<FpJpegError*>(c->err)->warnings++;
}

static void fp_jpeg_copy(char* dst, int cap, const char* src) {
    if (dst == nullptr || cap <= 0) return;
    std::strncpy(dst, src, cap - 1);
    dst[cap - 1] = 0;
}

// The decode both calls share. out == nullptr: header only. info receives width, height, components
// (of the file), colour space (libjpeg's J_COLOR_SPACE of the file), warnings, progressive (0/1).
// Returns 0, or -1 with the library's message in err.
static int fp_jpeg_run(const unsigned char* data, long long size, int denom, unsigned char* out,
        long long stride, long long capacity, int* info, char* err, int err_cap) {
    jpeg_decompress_struct c;
    FpJpegError e;
    std::memset(&c, 0, sizeof c);
    c.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = fp_jpeg_error_exit;
    e.pub.emit_message = fp_jpeg_emit_message;
    e.message[0] = 0;
    e.warnings = 0;
    if (setjmp(e.jump)) {
        fp_jpeg_copy(err, err_cap, e.message);
        jpeg_destroy_decompress(&c);
        return -1;
    }
    jpeg_create_decompress(&c);
    jpeg_mem_src(&c, data, static_cast<unsigned long>(size));
    jpeg_read_header(&c, TRUE);
    c.scale_num = 1;
    c.scale_denom = denom;
    // Grayscale, YCbCr and RGB files come out as BGR; other colour spaces are left to the caller.
    bool bgr = c.jpeg_color_space == JCS_GRAYSCALE || c.jpeg_color_space == JCS_YCbCr || c.jpeg_color_space == JCS_RGB;
    if (bgr) c.out_color_space = JCS_EXT_BGR;
    jpeg_calc_output_dimensions(&c);
    info[0] = static_cast<int>(c.output_width);
    info[1] = static_cast<int>(c.output_height);
    info[2] = c.num_components;
    info[3] = c.jpeg_color_space;
    info[5] = c.progressive_mode ? 1 : 0;
    if (out != nullptr) {
        if (!bgr) {
            fp_jpeg_copy(err, err_cap, "colour space not decoded to BGR here");
            jpeg_destroy_decompress(&c);
            return -1;
        }
        if (stride < 3LL * c.output_width || stride * c.output_height > capacity) {
            fp_jpeg_copy(err, err_cap, "output buffer smaller than the image");
            jpeg_destroy_decompress(&c);
            return -1;
        }
        jpeg_start_decompress(&c);
        while (c.output_scanline < c.output_height) {
            JSAMPROW row = out + stride * c.output_scanline;
            jpeg_read_scanlines(&c, &row, 1);
        }
        jpeg_finish_decompress(&c);
    }
    info[4] = e.warnings;
    jpeg_destroy_decompress(&c);
    return 0;
}

inline int fp_jpeg_header(const unsigned char* data, long long size, int denom, int* info, char* err, int err_cap) {
    return fp_jpeg_run(data, size, denom, nullptr, 0, 0, info, err, err_cap);
}

inline int fp_jpeg_decode_bgr(const unsigned char* data, long long size, int denom, unsigned char* out,
        long long stride, long long capacity, int* info, char* err, int err_cap) {
    return fp_jpeg_run(data, size, denom, out, stride, capacity, info, err, err_cap);
}

inline int fp_jpeg_lib_version() { return JPEG_LIB_VERSION; }

// The file the decoder's libjpeg functions come from (the process may map more than one libjpeg).
inline const char* fp_jpeg_library() {
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&jpeg_read_header), &info) == 0 || info.dli_fname == nullptr) return "?";
    return info.dli_fname;
}
