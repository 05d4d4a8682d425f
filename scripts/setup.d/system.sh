# Sourced by scripts/setup.sh from the repository root: what the load tests need from the system.
# Debian's JMeter 2.13 (jmeter, plus jmeter-http for the HTTP sampler) and a JDK, installed with
# apt-get only when missing and only as root; then the launcher that lets JMeter 2.13 load plans
# (loadtests/launcher/VeilJMeter.java, compiled into loadtests/build/ when missing or stale).
# Quick when everything is there: two file tests and one small Python call. A failure here
# only warns: everything but the load tests works without JMeter (their tests then skip).
if [ ! -e /usr/share/jmeter/lib/ext/ApacheJMeter_http.jar ] || ! command -v javac >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing JMeter 2.13 (Debian: jmeter jmeter-http) and a JDK for its launcher"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jmeter jmeter-http \
        default-jdk-headless >/dev/null; } || echo "setup: could not install JMeter; load tests will not run" >&2
  else
    echo "setup: JMeter is not installed; the load tests need it:" \
         "apt-get install jmeter jmeter-http default-jdk-headless (as root)" >&2
  fi
fi
if [ -e /usr/share/jmeter/lib/ext/ApacheJMeter_core.jar ] && command -v javac >/dev/null 2>&1; then
  .venv/bin/python -c 'from pathlib import Path; from tools.loadtest import runner; runner.build_launcher(Path("/usr/share/jmeter"))' \
    || echo "setup: could not build the JMeter launcher (loadtests/launcher); see the message above" >&2
fi
# The redactor's OCR: Tesseract with English data (Debian tesseract-ocr, tesseract-ocr-eng). Its tests
# also write the same document with other PDF producers: Ghostscript, poppler's cairo backend
# (pdftocairo, in poppler-utils) and LibreOffice Writer; a producer that is missing is skipped.
if ! command -v tesseract >/dev/null 2>&1 || ! command -v gs >/dev/null 2>&1 || ! command -v pdftocairo >/dev/null 2>&1 \
   || ! command -v soffice >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Tesseract OCR, Ghostscript, poppler-utils and LibreOffice Writer (Debian)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        tesseract-ocr tesseract-ocr-eng ghostscript poppler-utils libreoffice-writer-nogui >/dev/null; } \
      || echo "setup: could not install Tesseract; scanned pages will be refused (needs_ocr)" >&2
  else
    echo "setup: Tesseract is not installed; the redactor refuses scans without it:" \
         "apt-get install tesseract-ocr tesseract-ocr-eng ghostscript poppler-utils libreoffice-writer-nogui (as root)" >&2
  fi
fi
