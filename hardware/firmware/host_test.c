/*
 * Host test driver for the portable encoder (forcelab_proto.c); not firmware.
 *
 *   host_test encode   < script   > wire.bin   encode a script of frames (format below) to wire bytes
 *   host_test commands < wire.bin > text       parse host commands, one line each
 *   host_test cobs     < hexlines > hexlines   COBS-encode each hex line, then check the round trip
 *   host_test device   < script   > wire.bin   run the device logic (device.c) on a fake board
 *
 * Script lines (numbers in decimal, strings and raw bytes in hex, "-" for an empty string):
 *   S <counter_start> <samples_per_frame> <channels> <n>   followed by n lines: <micros> <count> ...
 *   I <seq> <protocol_version> <channels> <rate_hz> <model> <serial> <firmware>
 *   A <seq> <command>
 *   C <seq> <channels> <gain bits> <offset bits> ...        (float32 bit patterns as 8 hex digits)
 *   E <seq> <command> <code> <message>
 *   L <text>
 *   X <raw bytes>                                            copied as they are (garbage, partial frames)
 * Device scripts:
 *   H <hex bytes>   bytes from the host (commands), fed to the device one at a time
 *   N <n>           the ADC delivers n conversions (if running): sample s of the run has micros
 *                   1000000 + s * 1000000 / rate and counts[c] = s * 37 + c * 1000 - 4000
 *   W <bytes>       room in the USB transmit buffer from now on (-1: unlimited)
 * tests/test_firmware.py writes these scripts from the JSON files in hardware/vectors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "forcelab_proto.h"

static uint8_t wire[FL_MAX_WIRE];

static void die(const char *what)
{
    fprintf(stderr, "host_test: %s\n", what);
    exit(2);
}

static void emit(size_t n)
{
    if (n == 0)
        die("encoder refused its arguments");
    fwrite(wire, 1, n, stdout);
}

/* Decode a hex token into buf (NUL-terminated as text too); returns its length. */
static size_t unhex(const char *tok, uint8_t *buf, size_t cap)
{
    if (strcmp(tok, "-") == 0) {
        buf[0] = 0;
        return 0;
    }
    size_t n = strlen(tok) / 2;
    if (n + 1 > cap)
        die("hex token too long");
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(tok + 2 * i, "%2x", &v) != 1)
            die("bad hex");
        buf[i] = (uint8_t)v;
    }
    buf[n] = 0;
    return n;
}

static float f32_from_bits(unsigned long bits)
{
    uint32_t b = (uint32_t)bits;
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static int encode(void)
{
    char kind[4];
    static uint32_t micros[4096];
    static int32_t counts[4096 * FL_MAX_CHANNELS];
    while (scanf("%3s", kind) == 1) {
        if (strcmp(kind, "S") == 0) {
            unsigned long counter;
            unsigned spf, ch, n;
            if (scanf("%lu %u %u %u", &counter, &spf, &ch, &n) != 4 || n > 4096 || ch > FL_MAX_CHANNELS)
                die("bad S line");
            for (unsigned s = 0; s < n; s++) {
                unsigned long us;
                if (scanf("%lu", &us) != 1)
                    die("bad sample line");
                micros[s] = (uint32_t)us;
                for (unsigned c = 0; c < ch; c++) {
                    long v;
                    if (scanf("%ld", &v) != 1)
                        die("bad count");
                    counts[s * ch + c] = (int32_t)v;
                }
            }
            for (unsigned first = 0; first < n; first += spf) {
                unsigned k = n - first < spf ? n - first : spf;
                emit(fl_encode_samples((uint32_t)(counter + first), ch, k, micros + first, counts + first * ch,
                                       wire));
            }
        } else if (strcmp(kind, "I") == 0) {
            unsigned seq, version, ch;
            unsigned long rate;
            char m[600], s[600], f[600];
            uint8_t model[300], serial[300], fw[300];
            if (scanf("%u %u %u %lu %599s %599s %599s", &seq, &version, &ch, &rate, m, s, f) != 7)
                die("bad I line");
            if (version != FL_PROTOCOL_VERSION)
                die("this firmware speaks protocol version 1 only");
            unhex(m, model, sizeof model);
            unhex(s, serial, sizeof serial);
            unhex(f, fw, sizeof fw);
            emit(fl_encode_identify_reply((uint8_t)seq, ch, (uint32_t)rate, (char *)model, (char *)serial,
                                          (char *)fw, wire));
        } else if (strcmp(kind, "A") == 0) {
            unsigned seq, cmd;
            if (scanf("%u %u", &seq, &cmd) != 2)
                die("bad A line");
            emit(fl_encode_ack((uint8_t)seq, (uint8_t)cmd, wire));
        } else if (strcmp(kind, "C") == 0) {
            unsigned seq, ch;
            float gains[FL_MAX_CHANNELS], offsets[FL_MAX_CHANNELS];
            if (scanf("%u %u", &seq, &ch) != 2 || ch > FL_MAX_CHANNELS)
                die("bad C line");
            for (unsigned c = 0; c < ch; c++) {
                unsigned long g, o;
                if (scanf("%lx %lx", &g, &o) != 2)
                    die("bad calibration pair");
                gains[c] = f32_from_bits(g);
                offsets[c] = f32_from_bits(o);
            }
            emit(fl_encode_calibration_reply((uint8_t)seq, ch, gains, offsets, wire));
        } else if (strcmp(kind, "E") == 0) {
            unsigned seq, cmd, code;
            char m[600];
            uint8_t msg[300];
            if (scanf("%u %u %u %599s", &seq, &cmd, &code, m) != 4)
                die("bad E line");
            unhex(m, msg, sizeof msg);
            emit(fl_encode_error((uint8_t)seq, (uint8_t)cmd, (uint8_t)code, (char *)msg, wire));
        } else if (strcmp(kind, "L") == 0) {
            static char t[2 * FL_MAX_FRAME + 2];
            static uint8_t text[FL_MAX_FRAME + 1];
            if (scanf("%8193s", t) != 1)
                die("bad L line");
            unhex(t, text, sizeof text);
            emit(fl_encode_log((char *)text, wire));
        } else if (strcmp(kind, "X") == 0) {
            static char t[2 * FL_MAX_WIRE + 2];
            if (scanf("%8300s", t) != 1)
                die("bad X line");
            size_t n = unhex(t, wire, sizeof wire);
            fwrite(wire, 1, n, stdout);
        } else {
            die("unknown script line");
        }
    }
    return 0;
}

static const char *type_name(uint8_t t)
{
    switch (t) {
    case FL_IDENTIFY: return "IDENTIFY";
    case FL_START: return "START";
    case FL_STOP: return "STOP";
    case FL_SET_RATE: return "SET_RATE";
    case FL_TARE: return "TARE";
    case FL_READ_CALIBRATION: return "READ_CALIBRATION";
    case FL_WRITE_CALIBRATION: return "WRITE_CALIBRATION";
    default: return "UNKNOWN";
    }
}

static int commands(void)
{
    static fl_rx_t rx;
    static fl_command_t cmd;
    int c;
    fl_rx_init(&rx);
    while ((c = getchar()) != EOF) {
        if (!fl_rx_push(&rx, (uint8_t)c, &cmd))
            continue;
        printf("%s %u", type_name(cmd.type), cmd.seq);
        if (cmd.error) {
            printf(" error=%u\n", cmd.error);
            continue;
        }
        if (cmd.type == FL_SET_RATE)
            printf(" %lu", (unsigned long)cmd.rate_hz);
        if (cmd.type == FL_TARE)
            printf(" %u", cmd.samples);
        if (cmd.type == FL_WRITE_CALIBRATION)
            for (unsigned k = 0; k < cmd.channels; k++)
                printf(" %.9g %.9g", (double)cmd.gains[k], (double)cmd.offsets[k]);
        printf("\n");
    }
    printf("dropped %lu\n", (unsigned long)rx.dropped);
    return 0;
}

static int cobs(void)
{
    static char line[2 * FL_MAX_FRAME + 2];
    static uint8_t data[FL_MAX_FRAME + 1], enc[FL_MAX_WIRE], back[FL_MAX_FRAME];
    while (scanf("%8193s", line) == 1) {
        size_t n = unhex(line, data, sizeof data);
        size_t m = fl_cobs_encode(data, n, enc);
        for (size_t i = 0; i < m; i++)
            printf("%02x", enc[i]);
        long d = fl_cobs_decode(enc, m, back, sizeof back);
        printf(" %s\n", d == (long)n && memcmp(back, data, n) == 0 ? "ok" : "MISMATCH");
    }
    return 0;
}


/* ------------------------------------------------------------------ fake board for the device mode */

const uint32_t board_rates[] = {40, 90, 180, 350, 660, 1200, 2000, 0};
static int adc_running = 0;
static uint32_t adc_rate = 0, adc_sample = 0;
static long tx_room = -1;
static float stored_gains[BOARD_CHANNELS], stored_offsets[BOARD_CHANNELS];
static int stored = 0;

uint32_t board_micros(void) { return 1000000u + (uint32_t)((uint64_t)adc_sample * 1000000u / (adc_rate ? adc_rate : 1)); }
int board_adc_start(uint32_t rate_hz)
{
    int ok = 0;
    for (const uint32_t *r = board_rates; *r; r++)
        ok |= *r == rate_hz;
    if (!ok)
        return FL_ERR_BAD_ARGUMENT;
    adc_running = 1;
    adc_rate = rate_hz;
    adc_sample = 0;
    return 0;
}
void board_adc_stop(void) { adc_running = 0; }
size_t board_tx_room(void) { return tx_room < 0 ? (size_t)-1 : (size_t)tx_room; }
void board_tx(const uint8_t *data, size_t len)
{
    fwrite(data, 1, len, stdout);
    if (tx_room >= 0)
        tx_room = (long)len > tx_room ? 0 : tx_room - (long)len;
}
int board_calibration_load(float *gains, float *offsets, unsigned channels)
{
    if (!stored)
        return -1;
    memcpy(gains, stored_gains, channels * sizeof *gains);
    memcpy(offsets, stored_offsets, channels * sizeof *offsets);
    return 0;
}
int board_calibration_store(const float *gains, const float *offsets, unsigned channels)
{
    memcpy(stored_gains, gains, channels * sizeof *gains);
    memcpy(stored_offsets, offsets, channels * sizeof *offsets);
    stored = 1;
    return 0;
}
const char *board_model(void) { return "forcelab-dual-plate"; }
const char *board_serial(void) { return "HOST-0001"; }
const char *board_firmware(void) { return "1.0.0"; }

static int device(void)
{
    static fl_device_t dev;
    static char tok[2 * FL_MAX_WIRE + 2];
    static uint8_t bytes[FL_MAX_WIRE + 1];
    char kind[4];
    fl_device_init(&dev);
    while (scanf("%3s", kind) == 1) {
        if (strcmp(kind, "H") == 0) {
            if (scanf("%8300s", tok) != 1)
                die("bad H line");
            size_t n = unhex(tok, bytes, sizeof bytes);
            for (size_t i = 0; i < n; i++)
                fl_device_on_byte(&dev, bytes[i]);
        } else if (strcmp(kind, "N") == 0) {
            unsigned n;
            if (scanf("%u", &n) != 1)
                die("bad N line");
            for (unsigned k = 0; k < n && adc_running; k++) {
                int32_t counts[BOARD_CHANNELS];
                for (unsigned c = 0; c < BOARD_CHANNELS; c++)
                    counts[c] = (int32_t)(adc_sample * 37u + c * 1000u) - 4000;
                uint32_t us = board_micros();
                adc_sample++;
                fl_device_on_sample(&dev, us, counts);
            }
        } else if (strcmp(kind, "W") == 0) {
            if (scanf("%ld", &tx_room) != 1)
                die("bad W line");
        } else {
            die("unknown device script line");
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "encode") == 0)
        return encode();
    if (argc == 2 && strcmp(argv[1], "commands") == 0)
        return commands();
    if (argc == 2 && strcmp(argv[1], "cobs") == 0)
        return cobs();
    if (argc == 2 && strcmp(argv[1], "device") == 0)
        return device();
    fprintf(stderr, "usage: host_test encode|commands|cobs|device < input > output\n");
    return 2;
}
