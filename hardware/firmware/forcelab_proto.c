/*
 * forcelab binary protocol v1: portable encoder and command reader (see forcelab_proto.h).
 * MIT licence, part of forcelab.
 */
#include "forcelab_proto.h"

#include <string.h>

/* ------------------------------------------------------------------------------------------ CRC-32 */

static uint32_t crc_table[256];
static int crc_ready = 0;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
        crc_table[i] = c;
    }
    crc_ready = 1;
}

uint32_t fl_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
    if (!crc_ready)
        crc_init();
    crc = ~crc;
    for (size_t i = 0; i < len; i++)
        crc = crc_table[(crc ^ data[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

/* -------------------------------------------------------------------------------------------- COBS */

size_t fl_cobs_encode(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t code_at = 0, o = 1;
    uint8_t code = 1;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == 0) {
            out[code_at] = code;
            code_at = o++;
            code = 1;
        } else {
            out[o++] = in[i];
            if (++code == 0xFF) {
                out[code_at] = code;
                code_at = o++;
                code = 1;
            }
        }
    }
    /* Data ending with a full 254-byte run: close it without opening an empty run, as the Python
     * encoder does (decoders accept both forms; the vectors use this one). A non-zero last byte leaves
     * code at 1 only when it just closed such a run. */
    if (len > 0 && in[len - 1] != 0 && code == 1)
        return o - 1;
    out[code_at] = code;
    return o;
}

long fl_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t out_cap)
{
    size_t i = 0, o = 0;
    if (len == 0)
        return -1;
    while (i < len) {
        uint8_t code = in[i];
        if (code == 0 || i + code > len)
            return -1;
        for (size_t k = 1; k < code; k++) {
            if (in[i + k] == 0 || o >= out_cap)
                return -1;
            out[o++] = in[i + k];
        }
        i += code;
        if (code < 0xFF && i < len) {
            if (o >= out_cap)
                return -1;
            out[o++] = 0;
        }
    }
    return (long)o;
}

/* ------------------------------------------------------------------------------------------ frames */

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void put_f32(uint8_t *p, float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    put_u32(p, bits);
}

static float get_f32(const uint8_t *p)
{
    uint32_t bits = get_u32(p);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* The frame under construction: type + payload + room for the CRC. */
static uint8_t raw[FL_MAX_FRAME];

static size_t finish(size_t body_len, uint8_t *out)
{
    put_u32(raw + body_len, fl_crc32(0, raw, body_len));
    size_t n = fl_cobs_encode(raw, body_len + 4, out);
    out[n] = 0;
    return n + 1;
}

size_t fl_frame(uint8_t type, const uint8_t *payload, size_t len, uint8_t *out)
{
    if (len + 5 > FL_MAX_FRAME)
        return 0;
    raw[0] = type;
    if (len)
        memcpy(raw + 1, payload, len);
    return finish(1 + len, out);
}

unsigned fl_max_samples_per_frame(unsigned channels)
{
    unsigned k = (FL_MAX_FRAME - 11u) / (4u * (1u + channels));
    return k > 255u ? 255u : k;
}

size_t fl_encode_samples(uint32_t counter, unsigned channels, unsigned count, const uint32_t *micros,
                         const int32_t *counts, uint8_t *out)
{
    if (channels < 1 || channels > FL_MAX_CHANNELS || count < 1 || count > fl_max_samples_per_frame(channels))
        return 0;
    uint8_t *p = raw;
    *p++ = FL_SAMPLES;
    *p++ = (uint8_t)channels;
    *p++ = (uint8_t)count;
    put_u32(p, counter);
    p += 4;
    for (unsigned s = 0; s < count; s++) {
        put_u32(p, micros[s]);
        p += 4;
        for (unsigned c = 0; c < channels; c++) {
            put_u32(p, (uint32_t)counts[s * channels + c]);
            p += 4;
        }
    }
    return finish((size_t)(p - raw), out);
}

static int put_str8(uint8_t **p, const char *s)
{
    size_t n = strlen(s);
    if (n > 255)
        return 0;
    *(*p)++ = (uint8_t)n;
    memcpy(*p, s, n);
    *p += n;
    return 1;
}

size_t fl_encode_identify_reply(uint8_t seq, unsigned channels, uint32_t rate_hz, const char *model,
                                const char *serial, const char *firmware, uint8_t *out)
{
    uint8_t *p = raw;
    *p++ = FL_IDENTIFY_REPLY;
    *p++ = seq;
    *p++ = FL_PROTOCOL_VERSION;
    *p++ = (uint8_t)channels;
    put_u32(p, rate_hz);
    p += 4;
    if (!put_str8(&p, model) || !put_str8(&p, serial) || !put_str8(&p, firmware))
        return 0;
    return finish((size_t)(p - raw), out);
}

size_t fl_encode_ack(uint8_t seq, uint8_t command, uint8_t *out)
{
    raw[0] = FL_ACK;
    raw[1] = seq;
    raw[2] = command;
    return finish(3, out);
}

size_t fl_encode_calibration_reply(uint8_t seq, unsigned channels, const float *gains, const float *offsets,
                                   uint8_t *out)
{
    if (channels < 1 || channels > FL_MAX_CHANNELS)
        return 0;
    uint8_t *p = raw;
    *p++ = FL_CALIBRATION_REPLY;
    *p++ = seq;
    *p++ = (uint8_t)channels;
    for (unsigned c = 0; c < channels; c++) {
        put_f32(p, gains[c]);
        put_f32(p + 4, offsets[c]);
        p += 8;
    }
    return finish((size_t)(p - raw), out);
}

size_t fl_encode_error(uint8_t seq, uint8_t command, uint8_t code, const char *message, uint8_t *out)
{
    uint8_t *p = raw;
    *p++ = FL_ERROR_REPLY;
    *p++ = seq;
    *p++ = command;
    *p++ = code;
    if (!put_str8(&p, message))
        return 0;
    return finish((size_t)(p - raw), out);
}

size_t fl_encode_log(const char *text, uint8_t *out)
{
    size_t n = strlen(text);
    if (n + 5 > FL_MAX_FRAME)
        return 0;
    raw[0] = FL_LOG;
    memcpy(raw + 1, text, n);
    return finish(1 + n, out);
}

/* ---------------------------------------------------------------------------------------- commands */

void fl_rx_init(fl_rx_t *rx)
{
    rx->len = 0;
    rx->overflow = 0;
    rx->dropped = 0;
}

static int parse_command(const uint8_t *f, size_t n, fl_command_t *cmd)
{
    /* f = type | payload | crc, CRC already checked; n >= 5 */
    const uint8_t *pl = f + 1;
    size_t plen = n - 5;
    memset(cmd, 0, sizeof *cmd);
    cmd->type = f[0];
    cmd->seq = plen ? pl[0] : 0;
    switch (cmd->type) {
    case FL_IDENTIFY:
    case FL_START:
    case FL_STOP:
    case FL_READ_CALIBRATION:
        if (plen != 1)
            cmd->error = FL_ERR_BAD_LENGTH;
        break;
    case FL_SET_RATE:
        if (plen != 5)
            cmd->error = FL_ERR_BAD_LENGTH;
        else
            cmd->rate_hz = get_u32(pl + 1);
        break;
    case FL_TARE:
        if (plen != 3)
            cmd->error = FL_ERR_BAD_LENGTH;
        else
            cmd->samples = (uint16_t)(pl[1] | (pl[2] << 8));
        break;
    case FL_WRITE_CALIBRATION:
        if (plen < 2 || plen != 2u + 8u * pl[1]) {
            cmd->error = FL_ERR_BAD_LENGTH;
            break;
        }
        cmd->channels = pl[1];
        if (cmd->channels < 1 || cmd->channels > FL_MAX_CHANNELS) {
            cmd->error = FL_ERR_BAD_ARGUMENT;
            break;
        }
        for (unsigned c = 0; c < cmd->channels; c++) {
            cmd->gains[c] = get_f32(pl + 2 + 8 * c);
            cmd->offsets[c] = get_f32(pl + 6 + 8 * c);
        }
        break;
    default:
        cmd->error = FL_ERR_UNKNOWN_COMMAND;
    }
    return 1;
}

int fl_rx_push(fl_rx_t *rx, uint8_t byte, fl_command_t *cmd)
{
    static uint8_t decoded[FL_MAX_FRAME];
    if (byte != 0) {
        if (rx->len < sizeof rx->buf)
            rx->buf[rx->len++] = byte;
        else
            rx->overflow = 1;
        return 0;
    }
    size_t len = rx->len;
    int overflow = rx->overflow;
    rx->len = 0;
    rx->overflow = 0;
    if (len == 0)
        return 0; /* idle delimiter */
    if (overflow) {
        rx->dropped++;
        return 0;
    }
    long n = fl_cobs_decode(rx->buf, len, decoded, sizeof decoded);
    if (n < 5 || fl_crc32(0, decoded, (size_t)n - 4) != get_u32(decoded + n - 4)) {
        rx->dropped++;
        return 0;
    }
    return parse_command(decoded, (size_t)n, cmd);
}
