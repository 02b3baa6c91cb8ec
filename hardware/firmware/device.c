/*
 * Portable device logic (see device.h): commands in, replies and SAMPLES frames out.
 * MIT licence, part of forcelab.
 */
#include "device.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void send(fl_device_t *d, size_t n)
{
    if (n)
        board_tx(d->wire, n); /* replies are small and rare: queue even when the link is slow */
}

static void reply_error(fl_device_t *d, uint8_t code, const char *message)
{
    send(d, fl_encode_error(d->cmd.seq, d->cmd.type, code, message, d->wire));
}

void fl_device_init(fl_device_t *d)
{
    memset(d, 0, sizeof *d);
    fl_rx_init(&d->rx);
    d->rate_hz = FL_DEFAULT_RATE;
    d->spf = 1;
    if (board_calibration_load(d->gains, d->offsets, BOARD_CHANNELS) != 0) {
        for (unsigned c = 0; c < BOARD_CHANNELS; c++) {
            d->gains[c] = 1.0f;
            d->offsets[c] = 0.0f;
        }
    }
    /* a delimiter first, so a host that is already listening re-synchronises, then the banner */
    static const uint8_t zero = 0;
    board_tx(&zero, 1);
    char banner[96];
    snprintf(banner, sizeof banner, "%s %s ready", board_model(), board_firmware());
    send(d, fl_encode_log(banner, d->wire));
}

static void flush_frame(fl_device_t *d)
{
    if (d->pending == 0)
        return;
    size_t n = fl_encode_samples(d->frame_counter, BOARD_CHANNELS, d->pending, d->micros, d->counts, d->wire);
    if (n && board_tx_room() >= n)
        board_tx(d->wire, n);
    else
        d->frames_dropped++; /* the counter has advanced anyway: the host sees exactly what was lost */
    d->pending = 0;
}

static void rates_message(char *buf, size_t cap)
{
    size_t used = (size_t)snprintf(buf, cap, "supported:");
    for (const uint32_t *r = board_rates; *r && used + 12 < cap; r++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%lu", r == board_rates ? " " : ",",
                                 (unsigned long)*r);
}

static void execute(fl_device_t *d)
{
    fl_command_t *c = &d->cmd;
    char msg[160];
    if (c->error) {
        reply_error(d, c->error, c->error == FL_ERR_UNKNOWN_COMMAND ? "unknown command" : "wrong payload size");
        return;
    }
    switch (c->type) {
    case FL_IDENTIFY:
        send(d, fl_encode_identify_reply(c->seq, BOARD_CHANNELS, d->rate_hz, board_model(), board_serial(),
                                         board_firmware(), d->wire));
        break;
    case FL_START: {
        if (d->streaming) {
            reply_error(d, FL_ERR_BUSY, "already streaming");
            break;
        }
        int err = d->tare_internal ? 0 : board_adc_start(d->rate_hz);
        if (err) {
            reply_error(d, (uint8_t)err, "ADC did not start");
            break;
        }
        d->tare_internal = 0;
        d->counter = 0;
        d->pending = 0;
        d->spf = (d->rate_hz + 999u) / 1000u;
        if (d->spf > FL_MAX_SPF)
            d->spf = FL_MAX_SPF;
        send(d, fl_encode_ack(c->seq, FL_START, d->wire)); /* before the first SAMPLES frame */
        d->streaming = 1;
        break;
    }
    case FL_STOP:
        if (d->streaming) {
            d->streaming = 0;
            flush_frame(d);
            if (!d->tare_left)
                board_adc_stop();
            else
                d->tare_internal = 1;
        }
        send(d, fl_encode_ack(c->seq, FL_STOP, d->wire)); /* after the last SAMPLES frame */
        break;
    case FL_SET_RATE: {
        if (d->streaming || d->tare_left) {
            reply_error(d, FL_ERR_BUSY, "stop streaming first");
            break;
        }
        int ok = 0;
        for (const uint32_t *r = board_rates; *r; r++)
            ok |= *r == c->rate_hz;
        if (!ok) {
            rates_message(msg, sizeof msg);
            reply_error(d, FL_ERR_BAD_ARGUMENT, msg);
            break;
        }
        d->rate_hz = c->rate_hz;
        send(d, fl_encode_ack(c->seq, FL_SET_RATE, d->wire));
        break;
    }
    case FL_TARE:
        if (d->tare_left) {
            reply_error(d, FL_ERR_BUSY, "tare in progress");
            break;
        }
        d->tare_total = c->samples ? c->samples : (uint16_t)(d->rate_hz / 2u ? d->rate_hz / 2u : 1u);
        d->tare_left = d->tare_total;
        d->tare_seq = c->seq;
        memset(d->tare_sum, 0, sizeof d->tare_sum);
        if (!d->streaming) {
            int err = board_adc_start(d->rate_hz);
            if (err) {
                d->tare_left = 0;
                reply_error(d, (uint8_t)err, "ADC did not start");
                break;
            }
            d->tare_internal = 1;
        }
        break; /* the CALIBRATION reply follows when the averaging is done */
    case FL_READ_CALIBRATION:
        send(d, fl_encode_calibration_reply(c->seq, BOARD_CHANNELS, d->gains, d->offsets, d->wire));
        break;
    case FL_WRITE_CALIBRATION: {
        if (c->channels != BOARD_CHANNELS) {
            snprintf(msg, sizeof msg, "expected %u channels, got %u", BOARD_CHANNELS, c->channels);
            reply_error(d, FL_ERR_BAD_ARGUMENT, msg);
            break;
        }
        for (unsigned k = 0; k < BOARD_CHANNELS; k++) {
            if (!isfinite(c->gains[k]) || !isfinite(c->offsets[k])) {
                reply_error(d, FL_ERR_BAD_ARGUMENT, "gain and offset must be finite");
                return;
            }
        }
        memcpy(d->gains, c->gains, sizeof d->gains);
        memcpy(d->offsets, c->offsets, sizeof d->offsets);
        if (board_calibration_store(d->gains, d->offsets, BOARD_CHANNELS) != 0) {
            reply_error(d, FL_ERR_STORAGE, "flash write failed");
            break;
        }
        send(d, fl_encode_ack(c->seq, FL_WRITE_CALIBRATION, d->wire));
        break;
    }
    default:
        reply_error(d, FL_ERR_UNKNOWN_COMMAND, "unknown command");
    }
}

void fl_device_on_byte(fl_device_t *d, uint8_t byte)
{
    if (fl_rx_push(&d->rx, byte, &d->cmd))
        execute(d);
}

void fl_device_on_sample(fl_device_t *d, uint32_t micros, const int32_t *counts)
{
    if (d->tare_left) {
        for (unsigned c = 0; c < BOARD_CHANNELS; c++)
            d->tare_sum[c] += counts[c];
        if (--d->tare_left == 0) {
            for (unsigned c = 0; c < BOARD_CHANNELS; c++)
                d->offsets[c] = (float)((double)d->tare_sum[c] / d->tare_total);
            if (d->tare_internal && !d->streaming) {
                board_adc_stop();
                d->tare_internal = 0;
            }
            send(d, fl_encode_calibration_reply(d->tare_seq, BOARD_CHANNELS, d->gains, d->offsets, d->wire));
        }
    }
    if (!d->streaming)
        return;
    if (d->pending == 0)
        d->frame_counter = d->counter;
    d->micros[d->pending] = micros;
    memcpy(d->counts + d->pending * BOARD_CHANNELS, counts, BOARD_CHANNELS * sizeof *counts);
    d->pending++;
    d->counter++;
    if (d->pending == d->spf)
        flush_frame(d);
}
