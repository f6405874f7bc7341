/* png_folder.h - image sets stored as class folders of PNG files.
 *
 * The layout torchvision's ImageFolder reads: root/<class>/<file>.png.
 * Reading follows ImageFolder where lgc can:
 *   - classes are root's sub-folders, sorted bytewise (Python's sorted());
 *     files at root's top level are ignored, as ImageFolder does;
 *   - each class's files are sorted by name; names starting with '.' are
 *     ignored at both levels (hidden files, .DS_Store, .ipynb_checkpoints);
 *   - grey, grey+alpha, RGB, RGBA, palette and 16-bit PNGs are read through
 *     libpng as 8-bit; alpha is dropped, not composited (as PIL's
 *     convert("RGB") does). The set is grey (C = 1) when every file is
 *     grey, otherwise RGB (C = 3) with grey files promoted, as ImageFolder
 *     makes everything RGB.
 * And refuses, with a message naming the file, where ImageFolder would
 * train on something other than what the user meant: a file not ending in
 * .png (ImageFolder skips files outside its extension list, which would
 * drop a folder of JPEGs without a word), a sub-folder inside a class
 * folder, a .png that does not decode, an image whose size differs from the
 * first one's, an empty class folder, more than DATASET_MAX_CLASSES
 * classes. Sizes obey the IDX limits (include/idx.h). */
#ifndef LGC_PNG_FOLDER_H
#define LGC_PNG_FOLDER_H

#include <stddef.h>
#include <stdint.h>

/* One decoded image, 8-bit, (h, w, c) row-major. */
typedef struct {
    int w, h, c;
    uint8_t *pixels;
} png_pixels;

/* Decodes the PNG in buf[0..len) into out (caller frees out->pixels).
 * c is 0 for the file's own channels (1 for grey with or without alpha, 3
 * otherwise) or 3 to promote grey to RGB. Returns LGC_OK or LGC_EFORMAT
 * with a message naming name. The per-file step of png_folder_read, for
 * tests and fuzzing. */
int png_decode_mem(png_pixels *out, const uint8_t *buf, size_t len, int c, const char *name);

/* A labelled set with its class names: what dataset holds, plus the names
 * that map label k back to its folder. */
typedef struct {
    int n, h, w, c;
    int n_classes;
    uint8_t *images;    /* (n, h, w, c) */
    uint8_t *labels;    /* (n), 0..n_classes-1: class order is name order */
    char **class_names; /* (n_classes), increasing bytewise */
} png_folder_set;

/* Reads root as above into out (freed with png_folder_free): images in
 * class order, then file-name order. Returns LGC_OK, or LGC_EIO /
 * LGC_EFORMAT with a message naming the folder or file. */
int png_folder_read(png_folder_set *out, const char *root);
void png_folder_free(png_folder_set *s);

/* Writes s (c = 1 or 3) as root/<class name>/<index>.png, index being the
 * image's position in s, zero-padded to one width so that name order is
 * index order; each file is written atomically, folders are made as
 * needed. Class names must be valid file names not starting with '.', in
 * increasing bytewise order (so that reading back gives every image its
 * label again): otherwise LGC_EUSAGE. I/O errors are LGC_EIO naming the
 * file. */
int png_folder_write(const char *root, const png_folder_set *s);

#endif
