/*
 * forcelab binary protocol v1 (hardware/protocol.md): portable frame encoder and command reader.
 *
 * Plain C99, no allocation, no hardware access, no dependency beyond <stdint.h>/<stddef.h>/<string.h>:
 * the same file builds for a microcontroller and for the host test (make -C hardware/firmware test).
 * Byte order on the wire is little-endian whatever the CPU's, because every field is written byte by byte.
 *
 * Every encoder writes a complete wire frame, COBS(type | payload | crc32_le) followed by the 0x00
 * delimiter, into `out` (at least FL_MAX_WIRE bytes) and returns its length, or 0 if the arguments do not
 * fit the protocol (too many channels or samples, a string longer than 255 bytes).
 *
 * MIT licence, part of forcelab.
 */
#ifndef FORCELAB_PROTO_H
#define FORCELAB_PROTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FL_PROTOCOL_VERSION 1u
#define FL_MAX_FRAME 4096u                                 /* decoded: type + payload + crc */
#define FL_MAX_WIRE (FL_MAX_FRAME + FL_MAX_FRAME / 254u + 2u) /* encoded + delimiter */
#define FL_MAX_CHANNELS 64u

enum fl_type {
    FL_SAMPLES = 0x01,
    FL_LOG = 0x02,
    FL_IDENTIFY = 0x10,
    FL_START = 0x11,
    FL_STOP = 0x12,
    FL_SET_RATE = 0x13,
    FL_TARE = 0x14,
    FL_READ_CALIBRATION = 0x15,
    FL_WRITE_CALIBRATION = 0x16,
    FL_IDENTIFY_REPLY = 0x81,
    FL_ACK = 0x82,
    FL_CALIBRATION_REPLY = 0x83,
    FL_ERROR_REPLY = 0x8F
};

enum fl_error {
    FL_ERR_NONE = 0,
    FL_ERR_UNKNOWN_COMMAND = 1,
    FL_ERR_BAD_LENGTH = 2,
    FL_ERR_BAD_ARGUMENT = 3,
    FL_ERR_BUSY = 4,
    FL_ERR_HARDWARE = 5,
    FL_ERR_STORAGE = 6
};

/* CRC-32/ISO-HDLC, identical to zlib's crc32(): start with crc = 0, feed chunks in order. */
uint32_t fl_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* COBS-encode `len` bytes (no delimiter written). `out` needs len + len / 254 + 1 bytes. Returns bytes written. */
size_t fl_cobs_encode(const uint8_t *in, size_t len, uint8_t *out);

/* COBS-decode one frame (delimiter removed). Returns the decoded length, or -1 if invalid or > out_cap. */
long fl_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t out_cap);

/* Wrap `payload` as a frame of `type`. */
size_t fl_frame(uint8_t type, const uint8_t *payload, size_t len, uint8_t *out);

/* Largest number of samples of `channels` channels that fits one SAMPLES frame. */
unsigned fl_max_samples_per_frame(unsigned channels);

/* SAMPLES: `count` samples of `channels` channels; micros[count], counts[count * channels] (row-major,
 * channel 0 first), counts being 24-bit signed values. The first sample has counter `counter`. */
size_t fl_encode_samples(uint32_t counter, unsigned channels, unsigned count, const uint32_t *micros,
                         const int32_t *counts, uint8_t *out);

size_t fl_encode_identify_reply(uint8_t seq, unsigned channels, uint32_t rate_hz, const char *model,
                                const char *serial, const char *firmware, uint8_t *out);
size_t fl_encode_ack(uint8_t seq, uint8_t command, uint8_t *out);
size_t fl_encode_calibration_reply(uint8_t seq, unsigned channels, const float *gains, const float *offsets,
                                   uint8_t *out);
size_t fl_encode_error(uint8_t seq, uint8_t command, uint8_t code, const char *message, uint8_t *out);
size_t fl_encode_log(const char *text, uint8_t *out);

/* ---- reading host commands, one byte at a time (e.g. from the USB receive callback) ---- */

typedef struct {
    uint8_t type;     /* the command's frame type */
    uint8_t seq;      /* echoed in the reply */
    uint8_t error;    /* FL_ERR_NONE, or the error to answer with (UNKNOWN_COMMAND, BAD_LENGTH, BAD_ARGUMENT) */
    uint32_t rate_hz; /* SET_RATE */
    uint16_t samples; /* TARE */
    uint8_t channels; /* WRITE_CALIBRATION */
    float gains[FL_MAX_CHANNELS];
    float offsets[FL_MAX_CHANNELS];
} fl_command_t;

typedef struct {
    uint8_t buf[FL_MAX_WIRE];
    size_t len;
    int overflow;          /* the current frame is too long: skip to the next delimiter */
    uint32_t dropped;      /* frames dropped for bad COBS, CRC or size */
} fl_rx_t;

void fl_rx_init(fl_rx_t *rx);

/* Push one received byte. Returns 1 when it completed a frame with a valid CRC: `cmd` is filled in, and
 * cmd->error says whether to execute it or answer with an error. Returns 0 otherwise. Damaged frames are
 * dropped silently (counted in rx->dropped); the host resends after its timeout. */
int fl_rx_push(fl_rx_t *rx, uint8_t byte, fl_command_t *cmd);

#ifdef __cplusplus
}
#endif

#endif /* FORCELAB_PROTO_H */
