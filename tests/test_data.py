"""course_lib.data: bundled images and digits, checksums, and loading your own image."""

from __future__ import annotations

import hashlib
import io
import shutil

import numpy as np
import pytest
from PIL import Image

from course_lib import data

BUNDLED = (
    "ascent.png",
    "face.png",
    "cat.png",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
MNIST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def clear_caches():
    """Forget every decoded file so a test sees only its own data folder."""
    data._verified_bytes.cache_clear()
    data._decoded_png.cache_clear()
    data._mnist_arrays.cache_clear()


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of data/ that COURSE_DATA_DIR points at; caches cleared both ways."""
    folder = tmp_path / "data"
    shutil.copytree(data.data_dir(), folder)
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    clear_caches()
    yield folder
    clear_caches()


def png_bytes(array, mode=None) -> bytes:
    """Encode an array as PNG in memory."""
    buffer = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buffer, format="PNG")
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# Bundled data.


@pytest.mark.parametrize(
    ("loader", "shape"),
    [(data.ascent, (512, 512)), (data.face, (768, 1024, 3)), (data.cat, (300, 451, 3))],
)
def test_bundled_images_have_documented_shape_and_dtype(loader, shape):
    """Each photograph is uint8 of its documented shape and spans most of the range."""
    image = loader()
    assert image.shape == shape
    assert image.dtype == np.uint8
    assert int(image.max()) - int(image.min()) > 200
    assert image.flags.writeable


def test_mnist_shapes_and_label_counts():
    """MNIST test set: 10,000 digits of 28x28 uint8 and the official count per digit."""
    images, labels = data.mnist()
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert np.bincount(labels, minlength=10).tolist() == MNIST_COUNTS
    assert labels[:5].tolist() == [7, 2, 1, 0, 4]
    # Ink is bright on black: corners are empty, every digit has some ink.
    assert images[:, 0, 0].max() == 0
    assert (images.max(axis=(1, 2)) > 200).all()


def test_checksums_listed_and_matching():
    """SHA256SUMS lists exactly the bundled files and they match it."""
    folder = data.data_dir()
    sums = dict(reversed(line.split()) for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert sorted(sums) == sorted(BUNDLED)
    for name, digest in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("loader", [data.ascent, data.face, data.cat])
def test_images_are_fresh_copies(loader):
    """Changing a returned image does not change the next one."""
    first = loader()
    original = first.copy()
    first[...] = 0
    np.testing.assert_array_equal(loader(), original)


def test_mnist_returns_fresh_copies():
    """Changing returned digits or labels does not change the next call's."""
    images, labels = data.mnist()
    images[0] = 255
    labels[:] = 3
    again_images, again_labels = data.mnist()
    assert again_images[0, 0, 0] == 0
    assert again_labels[0] == 7


@pytest.mark.parametrize("name", BUNDLED)
def test_missing_file_is_named(data_copy, name):
    """A missing bundled file raises DataFileError naming the file."""
    (data_copy / name).unlink()
    loader = data.mnist if name.startswith("t10k") else getattr(data, name.removesuffix(".png"))
    with pytest.raises(data.DataFileError, match=f"{name}.*missing"):
        loader()


@pytest.mark.parametrize("name", BUNDLED)
def test_corrupt_file_is_named(data_copy, name):
    """Changing one byte of a bundled file raises DataFileError naming it."""
    path = data_copy / name
    payload = bytearray(path.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    path.write_bytes(bytes(payload))
    loader = data.mnist if name.startswith("t10k") else getattr(data, name.removesuffix(".png"))
    with pytest.raises(data.DataFileError, match=f"{name} is corrupt"):
        loader()


def test_missing_checksum_list(data_copy):
    """Without SHA256SUMS nothing is trusted and the message says which list is missing."""
    (data_copy / "SHA256SUMS").unlink()
    with pytest.raises(data.DataFileError, match="SHA256SUMS"):
        data.ascent()


def test_corruption_in_a_copy_does_not_leak(data_copy, monkeypatch):
    """After a test breaks its private copy, the real data folder still loads."""
    (data_copy / "ascent.png").write_bytes(b"broken")
    with pytest.raises(data.DataFileError):
        data.ascent()
    monkeypatch.delenv("COURSE_DATA_DIR")
    assert data.data_dir() != data_copy
    assert data.ascent().shape == (512, 512)


def test_data_file_error_is_an_os_error():
    """DataFileError can be caught as OSError, like other file problems."""
    assert issubclass(data.DataFileError, OSError)


# ---------------------------------------------------------------------------
# Loading your own image.


def test_load_image_from_path_and_bytes_agree(tmp_path):
    """A path and the same file's bytes load to the same array."""
    rng = np.random.default_rng(0)
    picture = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    path = tmp_path / "picture.png"
    path.write_bytes(png_bytes(picture))
    np.testing.assert_array_equal(data.load_image(path), picture)
    np.testing.assert_array_equal(data.load_image(str(path)), picture)
    np.testing.assert_array_equal(data.load_image(path.read_bytes()), picture)
    np.testing.assert_array_equal(data.load_image(bytearray(path.read_bytes())), picture)


def test_load_image_grey_uses_bt601_weights():
    """grey=True converts with 0.299 R + 0.587 G + 0.114 B, rounded, uint8."""
    picture = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 200, 30]]], np.uint8)
    grey = data.load_image(png_bytes(picture), grey=True)
    assert grey.dtype == np.uint8
    assert grey.tolist() == [[76, 150, 29, round(0.299 * 10 + 0.587 * 200 + 0.114 * 30)]]


def test_load_image_grey_file_stays_2d():
    """A grey PNG loads as (H, W), with or without grey=True."""
    picture = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    np.testing.assert_array_equal(data.load_image(png_bytes(picture)), picture)
    np.testing.assert_array_equal(data.load_image(png_bytes(picture), grey=True), picture)


@pytest.mark.parametrize(("size", "shape"), [(224, (224, 224)), ((100, 150), (100, 150))])
def test_load_image_resizes(size, shape):
    """size resizes to (height, width); an int means a square."""
    cat = data.data_dir() / "cat.png"
    assert data.load_image(cat, size=size).shape == (*shape, 3)
    resized = data.load_image(cat, grey=True, size=size)
    assert resized.shape == shape and resized.dtype == np.uint8
    # Anti-aliased resampling keeps the overall brightness.
    assert abs(float(resized.mean()) - float(data.to_grey(data.cat()).mean())) < 3


def test_load_image_composites_transparency_on_white():
    """Transparent pixels become white, half-transparent ones are blended."""
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[0, 0] = (0, 0, 0, 255)  # opaque black
    rgba[0, 1] = (0, 0, 0, 0)  # fully transparent
    rgba[1, 0] = (0, 0, 0, 128)  # half black over white
    rgba[1, 1] = (200, 100, 50, 255)
    out = data.load_image(png_bytes(rgba))
    assert out.shape == (2, 2, 3)
    assert out[0, 0].tolist() == [0, 0, 0]
    assert out[0, 1].tolist() == [255, 255, 255]
    assert all(abs(int(v) - 127) <= 1 for v in out[1, 0])
    assert out[1, 1].tolist() == [200, 100, 50]


def test_load_image_palette_and_grey_alpha():
    """Palette and grey+alpha images come back as RGB."""
    palette = Image.fromarray(np.arange(6, dtype=np.uint8).reshape(2, 3) * 40).convert("P")
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG")
    assert data.load_image(buffer.getvalue()).shape == (2, 3, 3)
    la = np.zeros((2, 2, 2), dtype=np.uint8)
    la[..., 0] = 100
    la[..., 1] = 255
    buffer = io.BytesIO()
    Image.fromarray(la, mode="LA").save(buffer, format="PNG")
    assert data.load_image(buffer.getvalue()).tolist() == [[[100] * 3] * 2] * 2


def test_load_image_scales_16_bit_grey():
    """A 16-bit PNG is scaled to 0..255, not clipped to white."""
    wide = (np.arange(12).reshape(3, 4) * 5000).astype(np.uint16)
    out = data.load_image(png_bytes(wide))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.rint(wide / 257).astype(np.uint8))


def test_load_image_applies_exif_rotation():
    """A photo stored sideways with an EXIF orientation tag is turned upright."""
    picture = np.zeros((2, 3, 3), dtype=np.uint8)
    picture[0, 0] = 255  # a white pixel in the stored top-left corner
    image = Image.fromarray(picture)
    exif = image.getexif()
    exif[0x0112] = 6  # stored rotated: display needs a 90 degree clockwise turn
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", exif=exif)
    out = data.load_image(buffer.getvalue())
    assert out.shape == (3, 2, 3)
    assert out[0, 1].tolist() == [255, 255, 255]


def test_load_image_reads_jpeg():
    """JPEG files load too (lossy, so only approximately)."""
    picture = np.full((16, 16, 3), (30, 120, 220), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="JPEG", quality=95)
    out = data.load_image(buffer.getvalue())
    assert out.shape == (16, 16, 3)
    assert np.abs(out.astype(int) - picture).max() <= 3


def test_load_image_returns_independent_arrays(tmp_path):
    """Mutating a loaded image does not affect the next load of the same file."""
    path = tmp_path / "p.png"
    path.write_bytes(png_bytes(np.full((4, 5), 9, dtype=np.uint8)))
    first = data.load_image(path)
    first[:] = 0
    assert data.load_image(path).min() == 9


def test_load_image_truncated_png(tmp_path):
    """A truncated PNG gives a ValueError naming the file, not a Pillow traceback."""
    payload = png_bytes(np.random.default_rng(1).integers(0, 256, (64, 64), dtype=np.uint8))
    path = tmp_path / "cut.png"
    path.write_bytes(payload[: len(payload) // 2])
    with pytest.raises(ValueError, match="cut.png could not be decoded"):
        data.load_image(path)


def test_load_image_random_bytes():
    """Bytes that are no image give a ValueError saying so."""
    noise = np.random.default_rng(2).integers(0, 256, 500, dtype=np.uint8).tobytes()
    with pytest.raises(ValueError, match="not an image file"):
        data.load_image(noise)


def test_load_image_empty(tmp_path):
    """An empty file or empty bytes give a ValueError saying it is empty."""
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.png is empty"):
        data.load_image(path)
    with pytest.raises(ValueError, match="is empty"):
        data.load_image(b"")


def test_load_image_directory(tmp_path):
    """A folder instead of a file gives a ValueError saying it is a folder."""
    with pytest.raises(ValueError, match="is a folder"):
        data.load_image(tmp_path)


def test_load_image_missing_path(tmp_path):
    """A path that does not exist gives FileNotFoundError naming it."""
    with pytest.raises(FileNotFoundError, match="nowhere.png does not exist"):
        data.load_image(tmp_path / "nowhere.png")


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"source": 42}, TypeError, "source must be a path or bytes"),
        ({"source": None}, TypeError, "source must be a path or bytes"),
        ({"size": 0}, ValueError, "size must be"),
        ({"size": (10, -1)}, ValueError, "size must be"),
        ({"size": "big"}, TypeError, "size must be"),
    ],
)
def test_load_image_bad_arguments(kwargs, error, words):
    """Bad arguments to load_image are named in the message."""
    arguments = {"source": png_bytes(np.zeros((2, 2), dtype=np.uint8)), **kwargs}
    with pytest.raises(error, match=words):
        data.load_image(**arguments)


def test_load_image_refuses_huge_images(monkeypatch):
    """Images above the pixel limit are refused before decoding."""
    monkeypatch.setattr(data, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(ValueError, match="pixel limit"):
        data.load_image(png_bytes(np.zeros((20, 20), dtype=np.uint8)))


def test_to_grey():
    """to_grey keeps uint8 for uint8 input, gives float64 otherwise, and checks shape."""
    rgb = np.array([[[255, 0, 0]]], dtype=np.uint8)
    assert data.to_grey(rgb).tolist() == [[76]]
    assert data.to_grey(rgb.astype(float)).dtype == np.float64
    assert data.to_grey(rgb.astype(float))[0, 0] == pytest.approx(0.299 * 255)
    with pytest.raises(ValueError, match="shape"):
        data.to_grey(np.zeros((2, 2, 5)))


def jpeg_bytes(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def test_load_image_max_side_downscales_a_large_photo_keeping_its_shape():
    """A 4000 x 3000 JPEG comes back with its longer side at max_side, aspect kept."""
    rows, cols = np.mgrid[0:3000, 0:4000]
    photo = np.stack([rows * 255 // 3000, cols * 255 // 4000, (rows + cols) % 256], axis=-1)
    image = data.load_image(jpeg_bytes(photo.astype(np.uint8)), max_side=1024)
    assert image.shape == (768, 1024, 3)
    # The gradient survives the reduced decode: top-left dark red, bottom right bright.
    assert image[5, 5, 0] < 20 and image[-5, -5, 0] > 235 and image[-5, -5, 1] > 235


@pytest.mark.parametrize(
    ("source", "shape"),
    [
        (np.zeros((300, 100), dtype=np.uint8), (150, 50)),
        (np.zeros((40, 60), dtype=np.uint8), (40, 60)),
    ],
)
def test_load_image_max_side_leaves_small_images_alone(source, shape):
    """Only images larger than max_side shrink, grey or not."""
    assert data.load_image(png_bytes(source), grey=True, max_side=150).shape == shape


def test_load_image_max_side_on_16_bit_grey():
    """A 16-bit grey is scaled to 0..255 and shrunk."""
    wide = np.full((400, 200), 65535, dtype=np.uint16)
    image = data.load_image(png_bytes(wide), max_side=100)
    assert image.shape == (100, 50) and image.dtype == np.uint8 and image.max() == 255


def test_load_image_size_and_max_side_together_are_refused():
    """Two ways of resizing at once is a mistake, named in the message."""
    with pytest.raises(ValueError, match="size or max_side, not both"):
        data.load_image(png_bytes(np.zeros((4, 4), np.uint8)), size=2, max_side=2)
    with pytest.raises(ValueError, match="max_side must be an integer >= 1"):
        data.load_image(png_bytes(np.zeros((4, 4), np.uint8)), max_side=0)
