# linky-exporter in a container (used by deploy/docker-compose.yml).
#   docker build -t linky-exporter .
#   docker run --device /dev/ttyUSB0:/dev/ttyTIC -e LINKY_EXPORTER_TIC__SOURCE=linky=/dev/ttyTIC -p 9798:9798 linky-exporter
FROM python:3.11-slim

# Only what the package needs (pyproject.toml names README.md as its readme).
COPY pyproject.toml README.md LICENSE /src/
COPY linky_exporter /src/linky_exporter
RUN pip install --no-cache-dir /src && rm -rf /src

# A system user in dialout, the group that owns serial devices on Debian and Raspberry Pi OS.
RUN useradd --system --no-create-home --shell /usr/sbin/nologin --groups dialout linky
USER linky

EXPOSE 9798
ENTRYPOINT ["linky-exporter"]
