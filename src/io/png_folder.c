/* png_folder.c - class folders of PNG files (torchvision's ImageFolder
 * layout): listing, decoding with libpng's simplified API, writing.
 *
 * Reading takes two passes over the files. The first lists the folders and
 * reads each PNG's header only (a few hundred bytes): every size and the
 * channel count of the set are known, and checked, before the image buffer
 * is allocated once. The second decodes each file into its slot. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "dataset.h"
#include "file_read.h"
#include "idx.h"
#include "png_folder.h"
#include "png_write.h"
#include "util.h"

/* --- one PNG --- */

/* Checks the header of a begun read: the size within the IDX limits. */
static int check_header(const png_image *img, const char *name)
{
    if (img->width < 1 || img->width > IDX_MAX_SIDE || img->height < 1 ||
        img->height > IDX_MAX_SIDE)
        return lgc_fail(LGC_EFORMAT, "'%s': %ux%u image, sides must be in [1, %d]", name,
                        (unsigned)img->width, (unsigned)img->height, IDX_MAX_SIDE);
    return LGC_OK;
}

static int is_colour(const png_image *img) { return (img->format & PNG_FORMAT_FLAG_COLOR) != 0; }

/* Finishes a begun read (header checked) into dst as c channels; frees
 * img's state either way. With alpha, reads it along and drops it. */
static int finish_read(png_image *img, uint8_t *dst, int c, const char *name)
{
    assert(c == 1 || c == 3);
    if (c == 1 && is_colour(img)) {
        png_image_free(img);
        return lgc_fail(LGC_EFORMAT, "'%s': a colour image where grey is expected", name);
    }
    int alpha = (img->format & PNG_FORMAT_FLAG_ALPHA) != 0;
    size_t pixels = (size_t)img->width * img->height;
    uint8_t *buf = dst;
    if (alpha)
        buf = xmalloc(pixels * (size_t)(c + 1));
    img->format = c == 3 ? (alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB)
                         : (alpha ? PNG_FORMAT_GA : PNG_FORMAT_GRAY);
    int ok = png_image_finish_read(img, NULL, buf, 0, NULL);
    int st = ok ? LGC_OK : lgc_fail(LGC_EFORMAT, "'%s': bad PNG data (%s)", name, img->message);
    if (ok && alpha)
        for (size_t p = 0; p < pixels; p++)
            memcpy(dst + p * (size_t)c, buf + p * (size_t)(c + 1), (size_t)c);
    if (alpha)
        free(buf);
    png_image_free(img); /* after a failure libpng has freed it already; this is then a no-op */
    return st;
}

static int fail_begin(png_image *img, const char *name)
{
    int st = lgc_fail(LGC_EFORMAT, "'%s': not a PNG image lgc can read (%s)", name, img->message);
    png_image_free(img);
    return st;
}

/* libpng allocates a chunk's declared length before reading it (a forged
 * 8x8 image asked for 1.9 GB), and the simplified API cannot cap that:
 * so every chunk up to IEND must fit in the bytes present first. Checking
 * the signature and the CRCs stays libpng's. */
static int check_chunk_lengths(const uint8_t *buf, size_t len, const char *name)
{
    size_t off = 8; /* the signature */
    while (off + 8 <= len) {
        const uint32_t n = (uint32_t)buf[off] << 24 | (uint32_t)buf[off + 1] << 16 |
                           (uint32_t)buf[off + 2] << 8 | buf[off + 3];
        if (n > len - off - 8 || len - off - 8 - n < 4) /* data, then a 4-byte CRC */
            return lgc_fail(LGC_EFORMAT,
                            "'%s': a PNG chunk claims %lu bytes, more than the file holds", name,
                            (unsigned long)n);
        if (!memcmp(buf + off + 4, "IEND", 4))
            break;
        off += 12 + (size_t)n;
    }
    return LGC_OK;
}

int png_decode_mem(png_pixels *out, const uint8_t *buf, size_t len, int c, const char *name)
{
    assert(c == 0 || c == 3);
    if (check_chunk_lengths(buf, len, name))
        return LGC_EFORMAT;
    png_image img = {.version = PNG_IMAGE_VERSION};
    if (!png_image_begin_read_from_memory(&img, buf, len))
        return fail_begin(&img, name);
    int st = check_header(&img, name);
    if (st) {
        png_image_free(&img);
        return st;
    }
    if (c == 0)
        c = is_colour(&img) ? 3 : 1;
    png_pixels p = {.w = (int)img.width, .h = (int)img.height, .c = c};
    p.pixels = xmalloc((size_t)p.w * p.h * c);
    if ((st = finish_read(&img, p.pixels, c, name))) {
        free(p.pixels);
        return st;
    }
    *out = p;
    return LGC_OK;
}

/* --- listing --- */

typedef struct {
    char **names;
    int n, cap;
} name_list;

static void list_push(name_list *l, const char *name)
{
    if (l->n == l->cap)
        l->names = xrealloc(l->names, (size_t)(l->cap = l->cap ? 2 * l->cap : 16) * sizeof *l->names);
    l->names[l->n++] = xstrdup(name);
}

static void list_free(name_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    *l = (name_list){0};
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *p = xmalloc(len);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

static int has_png_suffix(const char *name)
{
    size_t len = strlen(name);
    return len > 4 && !strcasecmp(name + len - 4, ".png");
}

/* What a listing keeps of each entry. */
typedef enum { KEEP_CLASS_FOLDERS, KEEP_PNG_FILES } listing;

/* The non-hidden entries of dir that the listing keeps, sorted bytewise. */
static int list_dir(name_list *out, const char *dir, listing what)
{
    DIR *d = opendir(dir);
    if (!d)
        return lgc_fail(LGC_EIO, "cannot open the folder '%s': %s", dir, strerror(errno));
    name_list l = {0};
    int st = LGC_OK;
    for (struct dirent *e; st == LGC_OK && (errno = 0, e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char *path = join(dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb))
            st = lgc_fail(LGC_EIO, "cannot read '%s': %s", path, strerror(errno));
        else if (what == KEEP_CLASS_FOLDERS) {
            if (S_ISDIR(sb.st_mode))
                list_push(&l, e->d_name);
        } else if (S_ISDIR(sb.st_mode))
            st = lgc_fail(LGC_EFORMAT,
                          "'%s': a folder inside a class folder (lgc reads root/<class>/*.png)",
                          path);
        else if (!S_ISREG(sb.st_mode) || !has_png_suffix(e->d_name))
            st = lgc_fail(LGC_EFORMAT, "'%s': not a .png file (only PNG images are read; "
                          "remove it or hide it with a leading '.')", path);
        else
            list_push(&l, e->d_name);
        free(path);
    }
    if (st == LGC_OK && errno)
        st = lgc_fail(LGC_EIO, "cannot list the folder '%s': %s", dir, strerror(errno));
    closedir(d);
    if (st) {
        list_free(&l);
        return st;
    }
    if (l.n)
        qsort(l.names, (size_t)l.n, sizeof *l.names, compare_names);
    *out = l;
    return LGC_OK;
}

/* --- reading a folder --- */

/* Every file of the set, class by class. */
typedef struct {
    char **paths;
    uint8_t *labels;
    int n;
} file_table;

static void table_free(file_table *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->paths[i]);
    free(t->paths);
    free(t->labels);
}

static int list_files(file_table *t, const char *root, const name_list *classes)
{
    int st = LGC_OK, cap = 0;
    *t = (file_table){0};
    for (int k = 0; k < classes->n && st == LGC_OK; k++) {
        char *dir = join(root, classes->names[k]);
        name_list files = {0}; /* list_dir leaves it so on failure */
        if ((st = list_dir(&files, dir, KEEP_PNG_FILES)) == LGC_OK && files.n == 0)
            st = lgc_fail(LGC_EFORMAT, "'%s': an empty class folder (no .png files)", dir);
        if (st == LGC_OK && files.n > IDX_MAX_COUNT - t->n)
            st = lgc_fail(LGC_EFORMAT, "'%s': more than %d images in all", dir, IDX_MAX_COUNT);
        for (int i = 0; st == LGC_OK && i < files.n; i++) {
            if (t->n == cap) {
                cap = cap ? 2 * cap : 64;
                t->paths = xrealloc(t->paths, (size_t)cap * sizeof *t->paths);
                t->labels = xrealloc(t->labels, (size_t)cap);
            }
            t->paths[t->n] = join(dir, files.names[i]);
            t->labels[t->n++] = (uint8_t)k;
        }
        list_free(&files);
        free(dir);
    }
    return st;
}

/* A PNG file larger than this is refused: the largest image lgc takes,
 * stored without compression, with room for its chunks. */
#define PNG_MAX_FILE_BYTES ((size_t)IDX_MAX_IMAGE_BYTES * 2 + ((size_t)1 << 20))

/* Starts reading path with libpng from its bytes in memory, *file (the
 * caller frees it after png_image_free or finish_read), once its chunk
 * lengths are known to fit (check_chunk_lengths). */
static int begin_read_file(png_image *img, uint8_t **file, const char *path)
{
    size_t len;
    int st = file_read_all(file, &len, path, PNG_MAX_FILE_BYTES);
    if (st == LGC_OK)
        st = check_chunk_lengths(*file, len, path);
    if (st == LGC_OK && !png_image_begin_read_from_memory(img, *file, len))
        st = fail_begin(img, path);
    return st;
}

/* First pass: every header; the set's size and channel count. */
static int read_headers(png_folder_set *s, const file_table *t)
{
    s->c = 1;
    for (int i = 0; i < t->n; i++) {
        png_image img = {.version = PNG_IMAGE_VERSION};
        uint8_t *file = NULL;
        int st = begin_read_file(&img, &file, t->paths[i]);
        if (st) {
            free(file);
            return st;
        }
        st = check_header(&img, t->paths[i]);
        if (st == LGC_OK && i == 0) {
            s->w = (int)img.width;
            s->h = (int)img.height;
        } else if (st == LGC_OK && ((int)img.width != s->w || (int)img.height != s->h)) {
            st = lgc_fail(LGC_EFORMAT, "'%s': a %ux%u image, but '%s' is %dx%d (one size for all)",
                          t->paths[i], (unsigned)img.width, (unsigned)img.height, t->paths[0],
                          s->w, s->h);
        }
        if (is_colour(&img))
            s->c = 3;
        png_image_free(&img);
        free(file);
        if (st)
            return st;
    }
    return LGC_OK;
}

int png_folder_read(png_folder_set *out, const char *root)
{
    name_list classes = {0};
    file_table files = {0};
    png_folder_set s = {0};
    int st = list_dir(&classes, root, KEEP_CLASS_FOLDERS);
    if (st)
        return st;
    if (classes.n == 0)
        st = lgc_fail(LGC_EFORMAT, "'%s': no class folders (expected root/<class>/*.png)", root);
    else if (classes.n > DATASET_MAX_CLASSES)
        st = lgc_fail(LGC_EFORMAT, "'%s': %d class folders, at most %d", root, classes.n,
                      DATASET_MAX_CLASSES);
    if (st == LGC_OK)
        st = list_files(&files, root, &classes);
    if (st == LGC_OK)
        st = read_headers(&s, &files);
    if (st)
        goto done;
    size_t image_bytes = (size_t)s.h * s.w * s.c;
    s.n = files.n;
    s.images = xmalloc((size_t)s.n * image_bytes);
    for (int i = 0; i < s.n && st == LGC_OK; i++) {
        png_image img = {.version = PNG_IMAGE_VERSION};
        uint8_t *file = NULL;
        st = begin_read_file(&img, &file, files.paths[i]);
        if (st == LGC_OK && ((int)img.width != s.w || (int)img.height != s.h)) {
            png_image_free(&img); /* changed since pass one */
            st = lgc_fail(LGC_EIO, "cannot read '%s': the file changed while being read",
                          files.paths[i]);
        } else if (st == LGC_OK)
            st = finish_read(&img, s.images + (size_t)i * image_bytes, s.c, files.paths[i]);
        free(file);
    }
    if (st)
        goto done;
    s.labels = files.labels;
    files.labels = NULL;
    s.n_classes = classes.n;
    s.class_names = classes.names; /* the list's strings move into the set */
    classes = (name_list){0};
    *out = s;
    s = (png_folder_set){0};
done:
    free(s.images);
    table_free(&files);
    list_free(&classes);
    return st;
}

void png_folder_free(png_folder_set *s)
{
    for (int k = 0; k < s->n_classes; k++)
        free(s->class_names[k]);
    free(s->class_names);
    free(s->images);
    free(s->labels);
    *s = (png_folder_set){0};
}

/* --- writing --- */

static int check_class_names(const png_folder_set *s, const char *root)
{
    for (int k = 0; k < s->n_classes; k++) {
        const char *name = s->class_names[k];
        if (!name[0] || name[0] == '.' || strchr(name, '/'))
            return lgc_fail(LGC_EUSAGE,
                            "cannot write '%s': class name '%s' is not a visible file name", root,
                            name);
        if (k > 0 && strcmp(s->class_names[k - 1], name) >= 0)
            return lgc_fail(LGC_EUSAGE,
                            "cannot write '%s': class names must increase bytewise ('%s' before "
                            "'%s'), or reading back would renumber the labels",
                            root, s->class_names[k - 1], name);
    }
    return LGC_OK;
}

int png_folder_write(const char *root, const png_folder_set *s)
{
    assert(s->n > 0 && s->n_classes > 0);
    int st = check_class_names(s, root);
    if (st || (st = output_dir(root)))
        return st;
    for (int k = 0; k < s->n_classes && st == LGC_OK; k++) {
        char *dir = join(root, s->class_names[k]);
        st = output_dir(dir);
        free(dir);
    }
    int digits = snprintf(NULL, 0, "%d", s->n - 1);
    size_t image_bytes = (size_t)s->h * s->w * s->c;
    for (int i = 0; i < s->n && st == LGC_OK; i++) {
        assert(s->labels[i] < s->n_classes);
        const char *name = s->class_names[s->labels[i]];
        size_t len = strlen(root) + strlen(name) + (size_t)digits + 8;
        char *path = xmalloc(len);
        snprintf(path, len, "%s/%s/%0*d.png", root, name, digits, i);
        st = png_write(path, s->images + (size_t)i * image_bytes, s->w, s->h, s->c);
        free(path);
    }
    return st;
}
