# SPDX-License-Identifier: GPL-2.0
# make bench: process_mrelease time-to-free vs RSS by page size (scripts/bench
# writes the data file; bench/report.py: pages.dat).
#   gnuplot -e "datafile='build/bench/pages.dat'; outfile='build/bench/pages.png'" bench/pages.gp
# Columns: N (MiB), then for 4k, 64k and 2m: median min max of
# process_mrelease on our kernel, on the reference kernel, and of munmap.
if (!exists("datafile")) datafile = 'build/bench/pages.dat'
if (!exists("outfile")) outfile = 'build/bench/pages.png'
set terminal pngcairo size 900,600 noenhanced font ",11"
set output outfile
set title "process_mrelease(): time from SIGKILL until MemAvailable has recovered 90 % of the RSS, by page size\n(victim starved; QEMU TCG -icount, guest time counted in instructions; median, bars min-max)"
set xlabel "RSS of the victim (MiB)"
set ylabel "time-to-free (ms, icount, log scale)"
set logscale x 2
set xtics (256, 512, 1024, 2048)
set xrange [200:2600]
set logscale y 10
set key top left box opaque
set grid
set datafile missing "NaN"
plot datafile using 1:2:3:4 with yerrorlines lw 2 pt 7 lc 1 title "4 KiB pages, our kernel", \
     datafile using 1:5:6:7 with yerrorlines lw 1 pt 6 lc 1 dt 2 title "4 KiB pages, reference kernel", \
     datafile using 1:11:12:13 with yerrorlines lw 2 pt 5 lc 2 title "64 KiB mTHP, our kernel", \
     datafile using 1:14:15:16 with yerrorlines lw 1 pt 4 lc 2 dt 2 title "64 KiB mTHP, reference kernel", \
     datafile using 1:20:21:22 with yerrorlines lw 2 pt 9 lc 3 title "PMD-size THP, our kernel", \
     datafile using 1:23:24:25 with yerrorlines lw 1 pt 8 lc 3 dt 2 title "PMD-size THP, reference kernel"
