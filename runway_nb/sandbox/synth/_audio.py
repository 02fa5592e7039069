"""Audio: MP3 speech, sound effects and transformed voices, plus the ambience under Veo videos.

Everything is built with numpy at block rate or in the frequency domain (no per-sample Python),
so a 30 s sound costs tens of milliseconds before the MP3 encoder.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import av
import numpy as np

from ._common import rng_for

MP3_RATE = 44100
SPEECH_RATE = 22050
CHARS_PER_SECOND = 14.0
_VOWELS = {"a": (730, 1090), "e": (530, 1840), "i": (300, 2250), "o": (570, 840), "u": (330, 1020),
           "y": (400, 1900)}  # (F1, F2) in Hz, the classic averages for an adult voice
_VOICED = set("bdgjlmnrvwz")


def audio_frames(x: np.ndarray, rate: int, frame_size: int) -> Iterator[av.AudioFrame]:
    """Planar float frames of frame_size samples (the last may be short), pts in samples."""
    x = np.ascontiguousarray(np.clip(x, -1.0, 1.0), dtype=np.float32)
    layout = "mono" if x.shape[0] == 1 else "stereo"
    for start in range(0, x.shape[1], frame_size):
        frame = av.AudioFrame.from_ndarray(x[:, start:start + frame_size], format="fltp", layout=layout)
        frame.sample_rate = rate
        frame.pts = start
        yield frame


def encode_mp3(x: np.ndarray, rate: int = MP3_RATE) -> bytes:
    """(channels, n) float in -1..1 -> MP3 bytes; bitexact so equal input gives equal bytes."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp3", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("libmp3lame", rate=rate, layout="mono" if x.shape[0] == 1 else "stereo")
        stream.bit_rate = 64000 * x.shape[0]
        stream.options = {"compression_level": "7"}  # LAME's faster search: about half the time
        for frame in audio_frames(x, rate, stream.codec_context.frame_size or 1152):
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


def band_noise(rng: np.random.Generator, n: int, rate: int, centre: float, octaves: float) -> np.ndarray:
    """White noise shaped in the frequency domain to a band around centre Hz; periodic over n samples."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    spectrum *= np.exp(-0.5 * (np.log2(np.maximum(freqs, 1.0) / centre) / octaves) ** 2)
    noise = np.fft.irfft(spectrum, n)
    return noise / (np.abs(noise).max() + 1e-9)


def _lfo(rng: np.random.Generator, n: int, rate: int, slow: float, periodic: bool) -> np.ndarray:
    """A 0..1 swell over n samples; with periodic=True a whole number of cycles fits, so loops join.

    Computed every 256 samples and held: far below hearing for a swell, and cheap.
    """
    seconds = n / rate
    freq = rng.uniform(0.3, 1.0) * slow
    if periodic:
        freq = max(1, round(freq * seconds)) / seconds
    coarse = np.arange(0, n, 256) / rate
    return np.repeat(0.5 + 0.5 * np.sin(2 * np.pi * freq * coarse + rng.uniform(0, 2 * np.pi)), 256)[:n]


def _fade(x: np.ndarray, rate: int, seconds_in: float, seconds_out: float) -> np.ndarray:
    n = x.shape[-1]
    k_in, k_out = min(n // 2, int(rate * seconds_in)), min(n // 2, int(rate * seconds_out))
    if k_in:
        x[..., :k_in] *= np.linspace(0.0, 1.0, k_in)
    if k_out:
        x[..., n - k_out:] *= np.linspace(1.0, 0.0, k_out)
    return x


def _normalise(x: np.ndarray, peak: float) -> np.ndarray:
    return (x * (peak / (np.abs(x).max() + 1e-9))).astype(np.float32)


def ambience(rng: np.random.Generator, seconds: float, rate: int, periodic: bool = False) -> np.ndarray:
    """A soft chord over breathing noise, stereo (2, n): calm enough to leave playing."""
    n = max(1, round(seconds * rate))
    t = np.arange(n) / rate
    root = 55.0 * 2 ** (rng.integers(0, 19) / 12)
    chord = np.zeros(n)
    for degree in (0, 7, 12, 16 if rng.random() < 0.5 else 15, 19, 24):
        freq = root * 2 ** (degree / 12)
        if periodic:
            freq = max(1, round(freq * seconds)) / seconds
        gain = rng.uniform(0.4, 1.0) / (1 + degree / 12)
        chord += gain * _lfo(rng, n, rate, 0.2, periodic) * np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))
    noise = band_noise(rng, n, rate, 300 * 2 ** rng.uniform(0, 3), rng.uniform(0.4, 1.2))
    mono = chord + 0.8 * _lfo(rng, n, rate, 0.15, periodic) * noise
    # the right channel a few ms late: width for free, and a roll keeps a loop whole
    out = np.stack([mono, np.roll(mono, int(rate * 0.013))])
    if not periodic:
        _fade(out, rate, 0.3, 0.3)
    return _normalise(out, 0.5)


def _chimes(rng: np.random.Generator, n: int, rate: int, seconds: float, periodic: bool) -> np.ndarray:
    """Struck, decaying partials at random moments; with periodic=True tails wrap to the start."""
    out = np.zeros(n)
    root = 220.0 * 2 ** (rng.integers(0, 12) / 12)
    ring = min(n, int(rate * 1.5))
    tail = np.arange(ring) / rate
    for _ in range(max(1, int(seconds * rng.uniform(0.5, 2.5)))):
        freq = root * 2 ** (rng.choice([0, 2, 4, 7, 9, 12, 14, 16]) / 12)
        note = np.sin(2 * np.pi * freq * tail) * np.exp(-tail * rng.uniform(2.0, 6.0))
        idx = int(rng.integers(0, n)) + np.arange(ring)
        if periodic:
            out[idx % n] += note  # indices are distinct (ring <= n), so plain += is exact
        else:
            keep = idx < n
            out[idx[keep]] += note[keep]
    return out


def _pulses(rng: np.random.Generator, n: int, rate: int, seconds: float) -> np.ndarray:
    """Soft percussive ticks on a steady beat that divides the length, wrapping round, so loops keep time."""
    beats = max(1, round(seconds * rng.uniform(1.0, 3.0)))
    click = min(n, int(rate * 0.08))
    burst = band_noise(rng, click, rate, 2 ** rng.uniform(7, 11), 0.7) * np.exp(-np.arange(click) / (rate * 0.015))
    out = np.zeros(n)
    offset = rng.uniform(0.2, 0.8) * n / beats  # off the seam: a loop joins between two ticks
    for b in range(beats):
        out[(int(offset + b * n / beats) + np.arange(click)) % n] += burst
    return out


def sound(prompt: str, seconds: float, *, seed: int, loop: bool = False) -> bytes:
    """MP3 of exactly `seconds`: noise, chimes and ticks mixed by the prompt's hash.

    loop=True builds every part periodic over the length, so the end runs straight into the start.
    """
    rng = rng_for("sound", seed, prompt)
    n = max(1, round(seconds * MP3_RATE))
    mix = rng.dirichlet([1.0, 1.0, 0.6, 0.8])
    bed = band_noise(rng, n, MP3_RATE, 2 ** rng.uniform(7, 12), rng.uniform(0.3, 1.5))
    bed *= 0.3 + 0.7 * _lfo(rng, n, MP3_RATE, 0.5, loop)
    mono = mix[0] * bed + mix[1] * _chimes(rng, n, MP3_RATE, seconds, loop) + mix[2] * _pulses(rng, n, MP3_RATE, seconds)
    x = np.stack([mono, np.roll(mono, int(MP3_RATE * 0.011))])  # a little width; roll keeps loops whole
    x += mix[3] * ambience(rng, seconds, MP3_RATE, periodic=loop)
    if not loop:
        _fade(x, MP3_RATE, 0.01, 0.05)
    return encode_mp3(_normalise(x, 0.7))


def _sentence_shape(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Per character: how far through its sentence (0..1), and whether that sentence asks."""
    progress, question, start = np.zeros(len(text)), np.zeros(len(text)), 0
    for i, c in enumerate(text):
        if c in ".!?" or i == len(text) - 1:
            span = max(1, i - start)
            progress[start:i + 1] = np.arange(i + 1 - start) / span
            question[start:i + 1] = c == "?"
            start = i + 1
    return progress, question


def _upsample(a: np.ndarray, n: int, block: int) -> np.ndarray:
    return np.interp(np.arange(n), np.arange(len(a)) * block, a)


def speech_signal(text: str, voice: str, seed: int, seconds: float | None = None) -> np.ndarray:
    """A voice-like mono signal at SPEECH_RATE: a glottal buzz through vowel formants, letter by letter.

    Each character gets an equal slice of time; vowels ring, voiced consonants hum, the rest hiss,
    spaces dip and punctuation pauses. Pitch comes from the voice name, so a voice keeps its pitch.
    """
    text = " ".join(text.split()) or "."
    seconds = seconds or max(1.0, len(text) / CHARS_PER_SECOND)
    rng = rng_for("speech", seed, voice, text)
    n, block = max(1, round(seconds * SPEECH_RATE)), 110  # control values every 5 ms
    nb = -(-n // block)
    char_at = np.minimum((np.arange(nb) * len(text) / nb).astype(int), len(text) - 1)
    table = {}
    for ch in set(text):
        c = ch.lower()
        f1, f2 = _VOWELS.get(c, (350, 1400))
        voiced = 1.0 if c in _VOWELS else 0.45 if c in _VOICED else 0.0
        hiss = 0.0 if c in _VOWELS or c in _VOICED or not c.isalpha() else 0.6
        loud = 0.0 if not (c.isalnum() or c == " ") else 0.15 if c == " " else 1.0
        table[ch] = (f1, f2, voiced * loud, hiss * loud)
    params = np.array([table[c] for c in text], dtype=np.float64)[char_at]
    kernel = np.ones(5) / 5  # 25 ms glide between letters
    f1, f2, voiced, hiss = (np.convolve(params[:, j], kernel, mode="same") for j in range(4))
    # pitch: the voice's own, falling through each sentence, rising at the end of a question
    base = 90.0 + 150.0 * rng_for("voice", voice).random()
    progress, question = _sentence_shape(text)
    f0 = base * (1.08 - 0.14 * progress[char_at] + 0.25 * (question[char_at] * progress[char_at]) ** 2)
    f0 *= 1 + 0.03 * np.sin(2 * np.pi * np.arange(nb) / nb * seconds * rng.uniform(0.7, 1.3))
    f0_s = _upsample(f0, n, block)
    phase = 2 * np.pi * np.cumsum(f0_s) / SPEECH_RATE
    out = np.zeros(n)
    for k in range(1, int(4000 / base) + 1):
        fk = k * f0
        amp = (np.exp(-(((fk - f1) / 110) ** 2)) + 0.6 * np.exp(-(((fk - f2) / 160) ** 2))
               + 0.25 * np.exp(-(((fk - 2600) / 300) ** 2)) + 0.3 / k) * voiced
        out += _upsample(amp, n, block) * np.sin(k * phase)
    out += 0.5 * _upsample(hiss, n, block) * np.diff(rng.standard_normal(n + 1))
    return _normalise(_fade(out, SPEECH_RATE, 0.01, 0.05), 0.8)


def speech(text: str, *, voice: str, seed: int) -> bytes:
    """MP3 speech whose length follows the text (about 14 characters a second, at least 1 s)."""
    return encode_mp3(speech_signal(text, voice, seed)[None, :], SPEECH_RATE)


def decode_audio(data: bytes, rate: int = MP3_RATE) -> np.ndarray | None:
    """Mono float samples of the first audio stream (from audio or video bytes); None if it has none."""
    try:
        with av.open(io.BytesIO(data)) as container:
            if not container.streams.audio:
                return None
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            chunks = []
            for frame in container.decode(audio=0):
                chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
            chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
    except (av.FFmpegError, ValueError) as exc:
        raise ValueError(f"source media could not be decoded ({exc})") from exc
    return np.concatenate(chunks) if chunks else None


def _grains(x: np.ndarray, size: int, fn) -> np.ndarray:
    """Overlap-add Hann-windowed grains of x (hop size/2) after fn(grain); the length is kept."""
    pad = np.concatenate([x, np.zeros(size)])
    window = np.hanning(size)
    out = np.zeros_like(pad)
    for start in range(0, len(x), size // 2):
        out[start:start + size] += fn(pad[start:start + size] * window) * window
    return out[: len(x)]


def _shift_pitch(grain: np.ndarray, ratio: float) -> np.ndarray:
    idx = (np.arange(len(grain)) * ratio) % len(grain)
    return np.interp(idx, np.arange(len(grain)), grain)


def audio_like(source: bytes | None, seconds: float, *, seed: int, kind: str) -> bytes:
    """MP3 of `seconds` derived from source audio (or a video's sound), else a synthesized voice.

    kind "isolation" gates and band-limits (noise gone), "dubbing" reverses short grains (same
    voice and timing, words you cannot follow), anything else ("sts") shifts the pitch: a new voice.
    """
    rng = rng_for("audio_like", seed, kind, source or b"")
    n = max(1, round(seconds * MP3_RATE))
    x = decode_audio(source) if source else None
    if x is None or not len(x):
        letters = rng.choice(list("aeiou bdklmnrst"), max(14, int(seconds * CHARS_PER_SECOND)))
        voice = speech_signal("".join(letters), str(rng.integers(1 << 30)), seed, seconds)
        x = np.interp(np.arange(n) * SPEECH_RATE / MP3_RATE, np.arange(len(voice)), voice)
    x = np.resize(x.astype(np.float64), n)  # tiles a short source, trims a long one
    if kind == "isolation":
        spectrum = np.fft.rfft(x)
        freqs = np.fft.rfftfreq(n, 1.0 / MP3_RATE)
        x = np.fft.irfft(spectrum * ((freqs > 80) & (freqs < 7000)), n)
        power = np.concatenate([[0.0], np.cumsum(x * x)])
        half = MP3_RATE // 100  # a 20 ms moving RMS, by running sums (no O(n * window) convolution)
        lo, hi = np.clip(np.arange(n) - half, 0, n), np.clip(np.arange(n) + half, 0, n)
        env = np.sqrt((power[hi] - power[lo]) / (hi - lo))
        x *= np.clip(env / (np.percentile(env, 40) * 2 + 1e-9), 0.05, 1.0)
    elif kind == "dubbing":
        x = _grains(x, int(MP3_RATE * 0.12), lambda g: g[::-1])
    else:
        ratio = rng.choice([0.8, 0.87, 1.15, 1.25])
        x = _grains(x, int(MP3_RATE * 0.05), lambda g: _shift_pitch(g, ratio))
    return encode_mp3(_normalise(_fade(x[None, :], MP3_RATE, 0.01, 0.03), 0.8))
