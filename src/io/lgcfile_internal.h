/* lgcfile_internal.h - what the pieces of the .lgc code share; only
 * src/io/lgcfile*.c include it.
 *
 *   lgcfile.c           the container: frame, CRC, deflate, atomic write,
 *                       the read entry points
 *   lgcfile_sections.c  each section's payload, written and parsed
 *   lgcfile_labels.c    the optional LABL section's payload
 *   lgcfile_exemplars.c the optional EXMP section's payload
 *   lgcfile_codecs.c    how decoder weights and mixture values are stored
 *   lgcfile_size.c      the size of a file, estimated from shapes
 *   lgcfile_bytes.c     little-endian values in and out of byte buffers
 *
 * Layout, byte by byte, in docs/FORMAT.md. */
#ifndef LGC_LGCFILE_INTERNAL_H
#define LGC_LGCFILE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "gmm.h"
#include "lgcfile.h"
#include "net.h"

#define HEADER_BYTES 16 /* magic, version, section count */
#define TRAILER_BYTES 4 /* CRC-32 */
#define SECTION_HEADER_BYTES 12 /* tag, raw length, stored length */

/* Parse functions return this (not an lgc_status) on cursor underflow; the
 * container turns it into a message naming the section. */
#define TRUNCATED 1

/* --- byte buffers (writer) and cursors (reader): lgcfile_bytes.c --- */

/* A growing byte image; put_* append, little-endian. */
typedef struct {
    uint8_t *p;
    size_t len, cap;
} bytebuf;

void buf_reserve(bytebuf *b, size_t n);
void put_bytes(bytebuf *b, const void *src, size_t n);
void put_u8(bytebuf *b, uint8_t v);
void put_u16(bytebuf *b, uint16_t v);
void put_u32(bytebuf *b, uint32_t v);
void put_u64(bytebuf *b, uint64_t v);
/* IEEE 754 binary32 bits (assumes float is binary32, as C11 Annex F and
 * every platform lgc targets provide). */
void put_f32(bytebuf *b, float f);
void le32_store(uint8_t *p, uint32_t v);
uint32_t le32_load(const uint8_t *p);

/* A read position within one payload. Getters return 0, or -1 without
 * moving when fewer bytes remain than the value needs. */
typedef struct {
    const uint8_t *p;
    size_t left;
} cursor;

int get_u8(cursor *c, uint8_t *v);
int get_u16(cursor *c, uint16_t *v);
int get_u32(cursor *c, uint32_t *v);
int get_u64(cursor *c, uint64_t *v);
int get_f32(cursor *c, float *f);
/* An f32 into a double field (mixture weights, BIC values). */
int get_f32_as_double(cursor *c, double *d);
int get_f16(cursor *c, float *f);

/* --- the sections: lgcfile_sections.c --- */

/* In dependency order: the writer emits and the reader parses in this
 * order (a reader accepts any order on disk). */
enum {
    SEC_SHAPE, SEC_PRIOR, SEC_DECODER, SEC_MIXTURES, SEC_BIC_CURVES, SEC_TRAINING, SEC_LABELS,
    SEC_WARPS, SEC_EXEMPLARS, N_SECTIONS
};

typedef struct {
    uint32_t tag;     /* four ASCII letters, the first in the low byte */
    const char *name; /* the same letters, for messages */
    int required;
    /* Appends the payload of m; LGC_OK or LGC_EFORMAT ("'name': ..."). */
    int (*encode)(bytebuf *b, const lgc_model *m, const char *name);
    /* Parses one payload into m, relying on the sections before it (the
     * shape first: the others are sized by it). LGC_OK, TRUNCATED, or
     * LGC_EFORMAT with a message. */
    int (*parse)(lgc_model *m, cursor *c, const char *name);
} section_kind;

extern const section_kind section_table[N_SECTIONS];

/* Output shape and parameter count of every layer of a decoder with input
 * (latent,1,1). On failure the message reads "'name': decoder: ...". */
int plan_decoder(tshape *shapes, size_t *counts, const layer_spec *specs, int n_layers,
                 int latent, const char *name);

/* --- the class labels (LABL): lgcfile_labels.c --- */

/* Whether m's labels need the section (they are not the indices 0..K-1). */
int labels_section_wanted(const lgc_model *m);
int encode_labels(bytebuf *b, const lgc_model *m, const char *name);
int parse_labels(lgc_model *m, cursor *c, const char *name);

/* --- the exemplars (EXMP): lgcfile_exemplars.c --- */

/* Whether m carries exemplars (the section is written only then). */
int exemplars_section_wanted(const lgc_model *m);
int encode_exemplars(bytebuf *b, const lgc_model *m, const char *name);
int parse_exemplars(lgc_model *m, cursor *c, const char *name);

/* --- decoder weights and mixture values: lgcfile_codecs.c --- */

/* A decoder layer's weight code on disk (the DECO dtype field): 0 f32,
 * 1 f16; 3 int8 with one scale per output channel, what lgc writes; 2 the
 * first int8 layout, one scale per output unit (the same for conv layers,
 * but 1,568 scales instead of 32 for the default decoder's dense layer),
 * still read; 4 int4 codes, two per byte, one scale per output channel
 * (written since 0.2.0, as are int8 mixtures). */
#define DTYPE_F32 0
#define DTYPE_F16 1
#define DTYPE_INT8_UNITS 2
#define DTYPE_INT8_CHANNELS 3
#define DTYPE_INT4_CHANNELS 4

/* The code of layers written in dtype t. */
uint8_t weight_code(lgcf_dtype t);
/* The dtype a layer stored with a known code reads as. */
lgcf_dtype weight_code_dtype(uint8_t code);
/* Bytes of a layer of type t with output shape out and count parameters,
 * stored with code. */
size_t layer_stored_bytes(uint8_t code, layer_type t, tshape out, size_t count);
/* Appends decoder layer i's count parameters p (type t, output out) in
 * code. A quantised layer refuses a non-finite parameter (LGC_EFORMAT). */
int encode_layer_weights(bytebuf *b, const float *p, uint8_t code, layer_type t, tshape out,
                         size_t count, int i, const char *name);
/* Parses what encode_layer_weights wrote into p, each value finite; the
 * caller checked the bytes are present. LGC_OK, TRUNCATED or LGC_EFORMAT. */
int parse_layer_weights(float *p, cursor *c, uint8_t code, layer_type t, tshape out,
                        size_t count, int i, const char *name);

/* Bytes of k components' means and factors (d and per values each) in
 * dtype t. */
size_t mixture_value_bytes(lgcf_dtype t, size_t k, size_t d, size_t per);
/* Appends g's means, then its factors, in dtype t (f32, f16 or int8). */
void encode_mixture_values(bytebuf *b, const gmm_t *g, lgcf_dtype t);
/* Parses them into g (gmm_init'ed; the caller checked the bytes are
 * present); i is the class, for messages. LGC_OK, TRUNCATED or
 * LGC_EFORMAT. gmm_validate checks the values afterwards. */
int parse_mixture_values(gmm_t *g, cursor *c, lgcf_dtype t, int i, const char *name);

#endif
