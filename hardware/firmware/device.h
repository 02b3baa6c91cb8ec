/*
 * Portable device logic of a forcelab plate: command handling, sample framing, tare. No hardware access:
 * it calls the board (board.h) and is called by it. Single-threaded: call both entry points from the main
 * loop (queue ADC results from the DRDY interrupt, do not call fl_device_on_sample from the interrupt).
 * MIT licence, part of forcelab.
 */
#ifndef FORCELAB_DEVICE_H
#define FORCELAB_DEVICE_H

#include <stdint.h>

#include "board.h"
#include "forcelab_proto.h"

#define FL_DEFAULT_RATE 1000u
#define FL_MAX_SPF 28u /* 8 channels: 11 + 28 * 36 = 1019 bytes <= FL_MAX_FRAME */

typedef struct {
    fl_rx_t rx;
    fl_command_t cmd;
    uint8_t wire[FL_MAX_WIRE];
    int streaming;
    uint32_t rate_hz;
    uint32_t counter;          /* counter of the next sample; 0 at START */
    unsigned spf;              /* samples per frame: ceil(rate / 1000) */
    unsigned pending;          /* samples waiting in the frame under construction */
    uint32_t frame_counter;    /* counter of its first sample */
    uint32_t micros[FL_MAX_SPF];
    int32_t counts[FL_MAX_SPF * BOARD_CHANNELS];
    uint32_t frames_dropped;   /* frames not sent because the host was not reading (counter still advanced) */
    float gains[BOARD_CHANNELS];
    float offsets[BOARD_CHANNELS];
    /* tare in progress */
    uint16_t tare_left;
    uint16_t tare_total;
    uint8_t tare_seq;
    int64_t tare_sum[BOARD_CHANNELS];
    int tare_internal;         /* ADC started only for the tare (not streaming) */
} fl_device_t;

void fl_device_init(fl_device_t *d);

/* One byte from the host (USB receive). */
void fl_device_on_byte(fl_device_t *d, uint8_t byte);

/* One conversion of every channel, taken at `micros`. */
void fl_device_on_sample(fl_device_t *d, uint32_t micros, const int32_t *counts);

#endif /* FORCELAB_DEVICE_H */
