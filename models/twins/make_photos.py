"""The photo-like pictures every twin's reference is computed on (test/fixtures/twins/).

  /usr/bin/python3 models/twins/make_photos.py

A 150x100 picture (no model's input size, so every family's processor resizes it) drawn with
PIL, not with the scene engine: a vertical gradient background, a red circle on the left and a
blue square on the right; and its mirror image, the patch source of the references.
"""
import os

from PIL import Image, ImageDraw, ImageOps

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "twins")


def photo():
    img = Image.new("RGB", (150, 100))
    draw = ImageDraw.Draw(img)
    for y in range(100):
        draw.line([(0, y), (149, y)], fill=(200 - y, 190 - y // 2, 170 + y // 3))
    draw.ellipse([14, 30, 54, 70], fill=(220, 40, 40))
    draw.rectangle([95, 28, 137, 70], fill=(40, 60, 210))
    return img


def main():
    os.makedirs(OUT, exist_ok=True)
    img = photo()
    img.save(os.path.join(OUT, "photo.png"))
    ImageOps.mirror(img).save(os.path.join(OUT, "photo-mirrored.png"))


if __name__ == "__main__":
    main()
