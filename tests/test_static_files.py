"""Static files as the tests serve them: WhiteNoise's table of STATIC_ROOT is built once and shared
by every test client (conftest.py), and serves what a server process serves."""

from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client
from whitenoise.middleware import WhiteNoiseMiddleware


def test_every_client_serves_the_hashed_files_forever_and_the_others_briefly():
    hashed = staticfiles_storage.url("css/site.css")
    assert hashed != "/static/css/site.css"  # the manifest's name, with its hash
    for client in (Client(), Client()):
        response = client.get(hashed)
        assert response.status_code == 200
        assert response["Cache-Control"] == f"max-age={WhiteNoiseMiddleware.FOREVER}, public, immutable"
        assert b"".join(response.streaming_content)
        response = client.get("/static/css/site.css")
        assert response.status_code == 200 and response["Cache-Control"] == "max-age=60, public"
        assert client.get("/static/css/nothing-here.css").status_code == 404


def test_a_middleware_built_after_another_has_the_same_table():
    first, second = WhiteNoiseMiddleware(lambda request: None), WhiteNoiseMiddleware(lambda request: None)
    assert first.files and first.files == second.files and first.files is not second.files
