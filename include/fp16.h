/* fp16.h - IEEE 754 binary16 conversion (round to nearest even). */
#ifndef LGC_FP16_H
#define LGC_FP16_H

#include <stdint.h>

uint16_t f32_to_f16(float f);
float f16_to_f32(uint16_t h);

#endif
