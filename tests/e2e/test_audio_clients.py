"""Audio through real clients other than the bundled SDK: the official `meshapi` 0.1.11
SDK in its own environment (one subprocess for every flow), and the `openai` SDK
(speech, transcriptions and translations, which it uploads as multipart too).

Audio comes back base64 from the subprocess and is read here with `wave`.
"""

from __future__ import annotations

import base64
import io
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from meshapi_mock import MockServer
from openai import NotFoundError, OpenAI, UnprocessableEntityError
from support.official_sdk import official_python, run_script

STT = "openai/whisper-1"
TTS = "openai/gpt-4o-mini-tts"


def wav_facts(data: bytes) -> tuple[int, int, int, int]:
    with wave.open(io.BytesIO(data), "rb") as reader:
        return (
            reader.getnchannels(),
            reader.getsampwidth(),
            reader.getframerate(),
            reader.getnframes(),
        )


@pytest.fixture(scope="module")
def official() -> Path:
    return official_python()


def test_official_sdk_runs_every_audio_flow(official: Path, server: MockServer) -> None:
    server.audio.when(filename="*.ogg").transcript("scripted for ogg")

    seen = run_script(
        official,
        """
import base64
from meshapi import MeshAPI, MeshAPIError
from meshapi._types import (SpeechParams, TranscriptionParams, TranscriptionTranslateParams,
                            AudioTranslationsParams, ListVoicesParams)
client = MeshAPI(base_url=URL, token="rsk_official", max_retries=0)
audio = client.audio.synthesize(SpeechParams(input="Meet me at noon", model=TTS, voice="coral",
                                             seed=3))
again = client.audio.synthesize(SpeechParams(input="Meet me at noon", model=TTS, voice="coral",
                                             seed=3))
pcm = client.audio.synthesize(SpeechParams(input="raw", response_format="pcm"))
heard = client.audio.transcribe(audio, TranscriptionParams(model=STT, keyterms=["noon"],
                                                           diarize=True))
ogg = client.audio.transcribe(b"OggS...", TranscriptionParams(model=STT), filename="x.ogg")
translated = client.audio.translate(audio, TranscriptionTranslateParams(prompt="p"))
standalone = client.audio.audio_translate(pcm, AudioTranslationsParams(model=STT))
# The official SDK drops the answer's `id` (its model ignores extras): fetch by the id the
# bundled SDK would have kept, read from a raw call below instead.
raw = client._http.post_multipart("/v1/audio/transcriptions", {"model": STT},
                                  file_data=("a.wav", audio, "application/octet-stream"))
stored = client.audio.get_transcription(raw["id"])
pages, token = [], None
while True:
    page = client.audio.list_voices(ListVoicesParams(page_size=5, next_page_token=token))
    pages.append([v.voice_id for v in page.voices])
    if not page.has_more:
        break
    token = page.next_page_token
voice = client.audio.get_voice("vx_studio_kai")
errors = []
for call in (
    lambda: client.audio.get_voice("nobody"),
    lambda: client.audio.get_transcription("tr_missing"),
    lambda: client.audio.synthesize(SpeechParams(input="x", response_format="mp3")),
    lambda: client.audio.list_voices(ListVoicesParams(next_page_token="vpt_bogus")),
):
    try:
        call()
    except MeshAPIError as exc:
        errors.append([exc.status, exc.error_code])
emit({
    "audio": base64.b64encode(audio).decode(), "same": audio == again,
    "pcm": base64.b64encode(pcm).decode(),
    "heard": heard.text, "ogg": ogg.text, "translated": translated.text,
    "standalone": standalone.text, "stored": stored, "pages": pages,
    "voice": [voice.name, voice.category, voice.labels], "errors": errors,
})
""",
        URL=server.url,
        TTS=TTS,
        STT=STT,
    )

    audio = base64.b64decode(seen["audio"])
    assert wav_facts(audio)[:3] == (1, 2, 24000) and seen["same"]
    assert server.audio.heard(base64.b64decode(seen["pcm"])) == "raw"
    assert seen["heard"] == seen["translated"] == seen["stored"]["text"] == "Meet me at noon"
    assert seen["standalone"] == "raw"
    assert seen["ogg"] == "scripted for ogg"
    assert [len(p) for p in seen["pages"]] == [5, 5, 4]
    assert seen["voice"] == [
        "Kai (studio)",
        "professional",
        {"gender": "male", "accent": "australian", "use_case": "conversational"},
    ]
    assert seen["errors"] == [
        [404, "not_found"],
        [404, "not_found"],
        [422, "validation_error"],
        [404, "not_found"],
    ]
    speech = [e for e in server.journal.entries() if e.operation == "speech"]
    assert speech[0].headers["x-meshapi-sdk"] == "python/0.1.11"


# --- the openai SDK -----------------------------------------------------------------------


@pytest.fixture
def openai_client(server: MockServer) -> Iterator[OpenAI]:
    with OpenAI(base_url=server.url + "/v1", api_key="rsk_test", max_retries=0) as openai:
        yield openai


@pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")
def test_openai_sdk_speech_and_transcription(server: MockServer, openai_client: OpenAI) -> None:
    speech = openai_client.audio.speech.create(
        model=TTS, voice="shimmer", input="The quick brown fox", response_format="wav"
    )
    audio = speech.content

    transcription = openai_client.audio.transcriptions.create(
        model=STT, file=("fox.wav", audio, "audio/wav"), language="en"
    )
    plain = openai_client.audio.transcriptions.create(
        model=STT, file=("fox.wav", audio), response_format="text"
    )
    translation = openai_client.audio.translations.create(model=STT, file=("fox.wav", audio))

    assert speech.response.headers["content-type"] == "audio/wav"
    assert wav_facts(audio)[:3] == (1, 2, 24000)
    assert transcription.text == translation.text == "The quick brown fox"
    assert plain.strip() == "The quick brown fox"
    entry = next(e for e in server.journal.entries() if e.operation == "transcribe")
    assert entry.headers["content-type"].startswith("multipart/form-data")


def test_openai_sdk_pcm_and_refusals(server: MockServer, openai_client: OpenAI) -> None:
    pcm = openai_client.audio.speech.create(
        model=TTS, voice="alloy", input="pcm please", response_format="pcm"
    ).content

    unasked = openai_client.audio.speech.create(model=TTS, voice="alloy", input="x").content
    with pytest.raises(UnprocessableEntityError) as mp3:
        openai_client.audio.speech.create(
            model=TTS, voice="alloy", input="x", response_format="mp3"
        )
    with pytest.raises(NotFoundError):
        openai_client.audio.transcriptions.create(model="nonsense", file=("a.wav", b"x"))

    assert server.audio.heard(pcm) == "pcm please"
    assert unasked[:4] == b"RIFF"  # no format asked: WAV, as the fake encodes no mp3
    assert mp3.value.status_code == 422 and "'wav' or 'pcm'" in str(mp3.value.body)
