#!/bin/sh
# Regenerates media/workshop-tour.mp4: a 6-second, self-made title clip for the demo shop
# (no camera footage, no third-party content): an ffmpeg gradient source in dawn colours,
# three lines of text drawn with DejaVu Sans, and a bar that fills as it plays. Silent, so
# it needs no captions. H.264 Constrained Baseline, yuv420p, moov atom first (faststart):
# plays in every browser.
#
# Needs ffmpeg with libx264 and libfreetype, and the DejaVu fonts (Debian:
# apt-get install ffmpeg fonts-dejavu-core). Not a build or CI dependency: the output is
# committed. Run from anywhere: sh widget/assets/demo/make_video.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
font=${FONT:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}
bold=${BOLD_FONT:-/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf}
text="fontcolor=white:shadowcolor=0x00000080:shadowx=2:shadowy=2:x=(w-text_w)/2"
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "gradients=s=640x360:r=24:d=6:c0=0x2b1d5e:c1=0xe8743b:x0=0:y0=360:x1=640:y1=0:speed=0.015:seed=7" \
  -f lavfi -i "color=c=0xffd27a:s=640x6:r=24:d=6" \
  -filter_complex "[0][1]overlay=x='-W+W*t/6':y=H-h,drawtext=fontfile=$bold:text='Bottega Aurora':fontsize=52:$text:y=h/2-78:alpha='min(1,t/0.8)',\
drawtext=fontfile=$font:text='A tour of the workshop':fontsize=30:$text:y=h/2+2:alpha='max(0,min(1,(t-1)/0.8))',\
drawtext=fontfile=$font:text='from clay to kiln':fontsize=24:$text:y=h/2+48:alpha='max(0,min(1,(t-2.2)/0.8))',\
drawtext=fontfile=$font:text='Staffetta demo clip':fontsize=14:fontcolor=0xffffffb0:x=w-text_w-16:y=h-34" \
  -c:v libx264 -profile:v baseline -level:v 3.0 -pix_fmt yuv420p -preset veryslow -crf 30 \
  -g 48 -threads 1 -an -movflags +faststart -fflags +bitexact -flags:v +bitexact \
  -metadata title="Bottega Aurora: a tour of the workshop" \
  "$here/media/workshop-tour.mp4"
ls -l "$here/media/workshop-tour.mp4"
