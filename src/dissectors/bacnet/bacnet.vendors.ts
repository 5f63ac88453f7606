/**
 * BACnet vendor identifiers (ASHRAE 135 clause 23; the list ASHRAE keeps at bacnet.org/assigned-vendor-ids),
 * as Wireshark's packet-bacapp.c spells them. Index = vendor id; '' = not assigned in this list.
 * Generated data: one name per line, do not edit by hand except to add newly assigned ids.
 */
// biome-ignore format: generated table, one vendor per line
export const VENDOR_NAMES: readonly string[] = [
  "ASHRAE", // 0
  "NIST", // 1
  "The Trane Company", // 2
  "Daikin Applied Americas", // 3
  "PolarSoft", // 4
  "Johnson Controls, Inc.", // 5
  "ABB (Formerly American Auto-Matrix)", // 6
  "Siemens Schweiz AG (Formerly: Landis & Staefa Division Europe)", // 7
  "Delta Controls", // 8
  "Siemens Schweiz AG", // 9
  "Schneider Electric", // 10
  "TAC", // 11
  "Orion Analysis Corporation", // 12
  "Teletrol Systems Inc.", // 13
  "Cimetrics Technology", // 14
  "Cornell University", // 15
  "United Technologies Carrier", // 16
  "Honeywell Inc.", // 17
  "Alerton / Honeywell", // 18
  "TAC AB", // 19
  "Hewlett-Packard Company", // 20
  "Dorsette’s Inc.", // 21
  "Siemens Schweiz AG (Formerly: Cerberus AG)", // 22
  "York Controls Group", // 23
  "Automated Logic Corporation", // 24
  "CSI Control Systems International", // 25
  "Phoenix Controls Corporation", // 26
  "Innovex Technologies, Inc.", // 27
  "KMC Controls, Inc.", // 28
  "Xn Technologies, Inc.", // 29
  "Hyundai Information Technology Co., Ltd.", // 30
  "Tokimec Inc.", // 31
  "Simplex", // 32
  "North Building Technologies Limited", // 33
  "Notifier", // 34
  "Reliable Controls Corporation", // 35
  "Tridium Inc.", // 36
  "MSA Safety", // 37
  "Silicon Energy", // 38
  "Kieback & Peter GmbH & Co KG", // 39
  "Anacon Systems, Inc.", // 40
  "Systems Controls & Instruments, LLC", // 41
  "Acuity Brands Lighting, Inc.", // 42
  "Micropower Manufacturing", // 43
  "Matrix Controls", // 44
  "METALAIRE", // 45
  "ESS Engineering", // 46
  "Sphere Systems Pty Ltd.", // 47
  "Walker Technologies Corporation", // 48
  "H I Solutions, Inc.", // 49
  "MBS GmbH", // 50
  "SAMSON AG", // 51
  "Badger Meter Inc.", // 52
  "DAIKIN Industries Ltd.", // 53
  "NARA Controls Inc.", // 54
  "Mammoth Inc.", // 55
  "Liebert Corporation", // 56
  "SEMCO Incorporated", // 57
  "Air Monitor Corporation", // 58
  "TRIATEK, LLC", // 59
  "NexLight", // 60
  "Multistack", // 61
  "TSI Incorporated", // 62
  "Weather-Rite, Inc.", // 63
  "Dunham-Bush", // 64
  "Reliance Electric", // 65
  "LCS Inc.", // 66
  "Regulator Australia PTY Ltd.", // 67
  "Touch-Plate Lighting Controls", // 68
  "Amann GmbH", // 69
  "RLE Technologies", // 70
  "Cardkey Systems", // 71
  "SECOM Co., Ltd.", // 72
  "ABB Gebäudetechnik AG Bereich NetServ", // 73
  "KNX Association cvba", // 74
  "Institute of Electrical Installation Engineers of Japan (IEIEJ)", // 75
  "Nohmi Bosai, Ltd.", // 76
  "Carel Industries S.p.A.", // 77
  "UTC Fire & Security España, S.L.", // 78
  "Hochiki Corporation", // 79
  "Fr. Sauter AG", // 80
  "Matsushita Electric Works, Ltd.", // 81
  "Mitsubishi Electric Corporation, Inazawa Works", // 82
  "Mitsubishi Heavy Industries, Ltd.", // 83
  "Xylem, Inc.", // 84
  "Yamatake Building Systems Co., Ltd.", // 85
  "The Watt Stopper, Inc.", // 86
  "Aichi Tokei Denki Co., Ltd.", // 87
  "Activation Technologies, LLC", // 88
  "Saia-Burgess Controls, Ltd.", // 89
  "Hitachi, Ltd.", // 90
  "Novar Corp./Trend Control Systems Ltd.", // 91
  "Mitsubishi Electric Lighting Corporation", // 92
  "Argus Control Systems, Ltd.", // 93
  "Kyuki Corporation", // 94
  "Richards-Zeta Building Intelligence, Inc.", // 95
  "Scientech R&D, Inc.", // 96
  "VCI Controls, Inc.", // 97
  "Toshiba Corporation", // 98
  "Mitsubishi Electric Corporation Air Conditioning & Refrigeration Systems Works", // 99
  "Custom Mechanical Equipment, LLC", // 100
  "ClimateMaster", // 101
  "ICP Panel-Tec, Inc.", // 102
  "D-Tek Controls", // 103
  "NEC Engineering, Ltd.", // 104
  "PRIVA BV", // 105
  "Meidensha Corporation", // 106
  "JCI Systems Integration Services", // 107
  "Freedom Corporation", // 108
  "Neuberger Gebäudeautomation GmbH", // 109
  "eZi Controls", // 110
  "Leviton Manufacturing", // 111
  "Fujitsu Limited", // 112
  "Vertiv (Formerly Emerson Network Power)", // 113
  "S. A. Armstrong, Ltd.", // 114
  "Visonet AG", // 115
  "M&M Systems, Inc.", // 116
  "Custom Software Engineering", // 117
  "Nittan Company, Limited", // 118
  "Elutions Inc. (Wizcon Systems SAS)", // 119
  "Pacom Systems Pty., Ltd.", // 120
  "Unico, Inc.", // 121
  "Ebtron, Inc.", // 122
  "Scada Engine", // 123
  "Lenze Americas (Formerly: AC Technology Corporation)", // 124
  "Eagle Technology", // 125
  "Data Aire, Inc.", // 126
  "ABB, Inc.", // 127
  "Transbit Sp. z o. o.", // 128
  "Toshiba Carrier Corporation", // 129
  "Shenzhen Junzhi Hi-Tech Co., Ltd.", // 130
  "Tokai Soft", // 131
  "Blue Ridge Technologies", // 132
  "Veris Industries", // 133
  "Centaurus Prime", // 134
  "Sand Network Systems", // 135
  "Regulvar, Inc.", // 136
  "AFDtek Division of Fastek International Inc.", // 137
  "PowerCold Comfort Air Solutions, Inc.", // 138
  "I Controls", // 139
  "Viconics Electronics, Inc.", // 140
  "Yaskawa America, Inc.", // 141
  "DEOS control systems GmbH", // 142
  "Digitale Mess- und Steuersysteme AG", // 143
  "Fujitsu General Limited", // 144
  "Project Engineering S.r.l.", // 145
  "Sanyo Electric Co., Ltd.", // 146
  "Integrated Information Systems, Inc.", // 147
  "Temco Controls, Ltd.", // 148
  "Airtek International Inc.", // 149
  "Advantech Corporation", // 150
  "Titan Products, Ltd.", // 151
  "Regel Partners", // 152
  "National Environmental Product", // 153
  "Unitec Corporation", // 154
  "Kanden Engineering Company", // 155
  "Messner Gebäudetechnik GmbH", // 156
  "Integrated.CH", // 157
  "Price Industries", // 158
  "SE-Elektronic GmbH", // 159
  "Rockwell Automation", // 160
  "Enflex Corp.", // 161
  "ASI Controls", // 162
  "SysMik GmbH Dresden", // 163
  "HSC Regelungstechnik GmbH", // 164
  "Smart Temp Australia Pty. Ltd.", // 165
  "Cooper Controls", // 166
  "Duksan Mecasys Co., Ltd.", // 167
  "Fuji IT Co., Ltd.", // 168
  "Vacon Plc", // 169
  "Leader Controls", // 170
  "ABB (Formerly Cylon Controls, Ltd)", // 171
  "Compas", // 172
  "Mitsubishi Electric Building Techno-Service Co., Ltd.", // 173
  "Building Control Integrators", // 174
  "ITG Worldwide (M) Sdn Bhd", // 175
  "Lutron Electronics Co., Inc.", // 176
  "Cooper-Atkins Corporation", // 177
  "LOYTEC Electronics GmbH", // 178
  "ProLon", // 179
  "Mega Controls Limited", // 180
  "Micro Control Systems, Inc.", // 181
  "Kiyon, Inc.", // 182
  "Dust Networks", // 183
  "Advanced Building Automation Systems", // 184
  "Hermos AG", // 185
  "CEZIM", // 186
  "Softing", // 187
  "Lynxspring, Inc.", // 188
  "Schneider Toshiba Inverter Europe", // 189
  "Danfoss Drives A/S", // 190
  "Eaton Corporation", // 191
  "Matyca S.A.", // 192
  "Botech AB", // 193
  "Noveo, Inc.", // 194
  "AMEV", // 195
  "Yokogawa Electric Corporation", // 196
  "Bosch Building Automation GmbH", // 197
  "Exact Logic", // 198
  "Mass Electronics Pty Ltd dba Innotech Control Systems Australia", // 199
  "Kandenko Co., Ltd.", // 200
  "DTF, Daten-Technik Fries", // 201
  "Klimasoft, Ltd.", // 202
  "Toshiba Schneider Inverter Corporation", // 203
  "Control Applications, Ltd.", // 204
  "CIMON CO., Ltd.", // 205
  "Onicon Incorporated", // 206
  "Automation Displays, Inc.", // 207
  "Control Solutions, Inc.", // 208
  "Remsdaq Limited", // 209
  "NTT Facilities, Inc.", // 210
  "VIPA GmbH", // 211
  "TSC21 Association of Japan", // 212
  "Strato Automation", // 213
  "HRW Limited", // 214
  "Lighting Control & Design, Inc.", // 215
  "Mercy Electronic and Electrical Industries", // 216
  "Samsung SDS Co., Ltd", // 217
  "Impact Facility Solutions, Inc.", // 218
  "Aircuity", // 219
  "Control Techniques, Ltd.", // 220
  "OpenGeneral Pty., Ltd.", // 221
  "WAGO Kontakttechnik GmbH & Co. KG", // 222
  "Franklin Electric", // 223
  "Chloride Power Protection Company", // 224
  "Computrols, Inc.", // 225
  "Phoenix Contact GmbH & Co. KG", // 226
  "Grundfos Management A/S", // 227
  "Ridder Drive Systems", // 228
  "Soft Device SDN BHD", // 229
  "Integrated Control Technology Limited", // 230
  "AIRxpert Systems, Inc.", // 231
  "Microtrol Limited", // 232
  "Red Lion Controls", // 233
  "Digital Electronics Corporation", // 234
  "Ennovatis GmbH", // 235
  "Serotonin Software Technologies, Inc.", // 236
  "LS Industrial Systems Co., Ltd.", // 237
  "Square D Company", // 238
  "S Squared Innovations, Inc.", // 239
  "Aricent Ltd.", // 240
  "EtherMetrics, LLC", // 241
  "Industrial Control Communications, Inc.", // 242
  "Paragon Controls, Inc.", // 243
  "A. O. Smith Corporation", // 244
  "Contemporary Control Systems, Inc.", // 245
  "HMS Industrial Networks SLU", // 246
  "Ingenieurgesellschaft N. Hartleb mbH", // 247
  "Heat-Timer Corporation", // 248
  "Ingrasys Technology, Inc.", // 249
  "Costerm Building Automation", // 250
  "WILO SE", // 251
  "Embedia Technologies Corp.", // 252
  "Technilog", // 253
  "HR Controls Ltd. & Co. KG", // 254
  "Lennox International, Inc.", // 255
  "RK-Tec Rauchklappen-Steuerungssysteme GmbH & Co. KG", // 256
  "Thermomax, Ltd.", // 257
  "ELCON Electronic Control, Ltd.", // 258
  "Larmia Control AB", // 259
  "BACnet Stack at SourceForge", // 260
  "G4S Security Services A/S", // 261
  "Exor International S.p.A.", // 262
  "Cristal Controles", // 263
  "Regin AB", // 264
  "Dimension Software, Inc.", // 265
  "SynapSense Corporation", // 266
  "Beijing Nantree Electronic Co., Ltd.", // 267
  "Camus Hydronics Ltd.", // 268
  "Kawasaki Heavy Industries, Ltd.", // 269
  "Critical Environment Technologies", // 270
  "ILSHIN IBS Co., Ltd.", // 271
  "ELESTA Energy Control AG", // 272
  "KROPMAN Installatietechniek", // 273
  "Baldor Electric Company", // 274
  "INGA mbH", // 275
  "GE Consumer & Industrial", // 276
  "Functional Devices, Inc.", // 277
  "StudioSC", // 278
  "M-System Co., Ltd.", // 279
  "Yokota Co., Ltd.", // 280
  "Hitranse Technology Co., LTD", // 281
  "Vigilent Corporation", // 282
  "Kele, Inc.", // 283
  "BELIMO Automation AG", // 284
  "Gentec", // 285
  "Embedded Science Labs, LLC", // 286
  "Parker Hannifin Corporation", // 287
  "MaCaPS International Limited", // 288
  "Link4 Corporation", // 289
  "Romutec Steuer-u. Regelsysteme GmbH", // 290
  "Pribusin, Inc.", // 291
  "Advantage Controls", // 292
  "Critical Room Control", // 293
  "LEGRAND", // 294
  "Tongdy Control Technology Co., Ltd.", // 295
  "ISSARO Integrierte Systemtechnik", // 296
  "Pro-Dev Industries", // 297
  "DRI-STEEM", // 298
  "Creative Electronic GmbH", // 299
  "Swegon AB", // 300
  "FIRVENA s.r.o.", // 301
  "Hitachi Appliances, Inc.", // 302
  "Real Time Automation, Inc.", // 303
  "ITEC Hankyu-Hanshin Co.", // 304
  "Cyrus E&M Engineering Co., Ltd.", // 305
  "Badger Meter", // 306
  "Cirrascale Corporation", // 307
  "Elesta GmbH Building Automation", // 308
  "Securiton", // 309
  "OSlsoft, Inc.", // 310
  "Hanazeder Electronic GmbH", // 311
  "Honeywell Security Deutschland, Novar GmbH", // 312
  "Siemens Industry, Inc.", // 313
  "ETM Professional Control GmbH", // 314
  "Meitav-tec, Ltd.", // 315
  "Janitza Electronics GmbH", // 316
  "MKS Nordhausen", // 317
  "De Gier Drive Systems B.V.", // 318
  "Cypress Envirosystems", // 319
  "SMARTron s.r.o.", // 320
  "Verari Systems, Inc.", // 321
  "K-W Electronic Service, Inc.", // 322
  "ALFA-SMART Energy Management", // 323
  "Telkonet, Inc.", // 324
  "Securiton GmbH", // 325
  "Cemtrex, Inc.", // 326
  "Performance Technologies, Inc.", // 327
  "Xtralis (Aust) Pty Ltd", // 328
  "TROX GmbH", // 329
  "Beijing Hysine Technology Co., Ltd", // 330
  "RCK Controls, Inc.", // 331
  "Distech Controls SAS", // 332
  "Novar/Honeywell", // 333
  "S4 Integration Solutions", // 334
  "Schneider Electric", // 335
  "LHA Systems", // 336
  "GHM engineering Group, Inc.", // 337
  "Cllimalux S.A.", // 338
  "VAISALA Oyj", // 339
  "COMPLEX (Beijing) Technology, Co., LTD.", // 340
  "SCADAmetrics", // 341
  "POWERPEG NSI Limited", // 342
  "BACnet Interoperability Testing Services, Inc.", // 343
  "Teco a.s.", // 344
  "Plexus Technology, Inc.", // 345
  "Energy Focus, Inc.", // 346
  "Powersmiths International Corp.", // 347
  "Nichibei Co., Ltd.", // 348
  "HKC Technology Ltd.", // 349
  "Ovation Networks, Inc.", // 350
  "Setra Systems", // 351
  "AVG Automation", // 352
  "ZXC Ltd.", // 353
  "Byte Sphere", // 354
  "Generiton Co., Ltd.", // 355
  "Holter Regelarmaturen GmbH & Co. KG", // 356
  "Bedford Instruments, LLC", // 357
  "Standair Inc.", // 358
  "WEG Automation – R&D", // 359
  "Prolon Control Systems ApS", // 360
  "Inneasoft", // 361
  "ConneXSoft GmbH", // 362
  "CEAG Notlichtsysteme GmbH", // 363
  "Distech Controls Inc.", // 364
  "Industrial Technology Research Institute", // 365
  "ICONICS, Inc.", // 366
  "IQ Controls s.c.", // 367
  "OJ Electronics A/S", // 368
  "Rolbit Ltd.", // 369
  "Synapsys Solutions Ltd.", // 370
  "ACME Engineering Prod. Ltd.", // 371
  "Zener Electric Pty, Ltd.", // 372
  "Selectronix, Inc.", // 373
  "Gorbet & Banerjee, LLC.", // 374
  "IME", // 375
  "Stephen H. Dawson Computer Service", // 376
  "Accutrol, LLC", // 377
  "Schneider Elektronik GmbH", // 378
  "Alpha-Inno Tec GmbH", // 379
  "ADMMicro, Inc.", // 380
  "Greystone Energy Systems, Inc.", // 381
  "CAP Technologie", // 382
  "KeRo Systems", // 383
  "Domat Control System s.r.o.", // 384
  "Efektronics Pty. Ltd.", // 385
  "Hekatron Vertriebs GmbH", // 386
  "Securiton AG", // 387
  "Carlo Gavazzi Controls SpA", // 388
  "Chipkin Automation Systems", // 389
  "Savant Systems, LLC", // 390
  "Simmtronic Lighting Controls", // 391
  "Abelko Innovation AB", // 392
  "Seresco Technologies Inc.", // 393
  "IT Watchdogs", // 394
  "Automation Assist Japan Corp.", // 395
  "Thermokon Sensortechnik GmbH", // 396
  "EGauge Systems, LLC", // 397
  "Quantum Automation (ASIA) PTE, Ltd.", // 398
  "Toshiba Lighting & Technology Corp.", // 399
  "SPIN Engenharia de Automação Ltda.", // 400
  "Logistics Systems & Software Services India PVT. Ltd.", // 401
  "Delta Controls Integration Products", // 402
  "Focus Media", // 403
  "LUMEnergi Inc.", // 404
  "Kara Systems", // 405
  "RF Code, Inc.", // 406
  "Fatek Automation Corp.", // 407
  "JANDA Software Company, LLC", // 408
  "Open System Solutions Limited", // 409
  "Intelec Systems PTY Ltd.", // 410
  "Ecolodgix, LLC", // 411
  "Douglas Lighting Controls", // 412
  "iSAtech GmbH", // 413
  "AREAL", // 414
  "Beckhoff Automation", // 415
  "IPAS GmbH", // 416
  "KE2 Therm Solutions", // 417
  "Base2Products", // 418
  "DTL Controls, LLC", // 419
  "INNCOM International, Inc.", // 420
  "METZ CONNECT GmbH", // 421
  "Greentrol Automation, Inc", // 422
  "BELIMO Automation AG", // 423
  "Samsung Heavy Industries Co, Ltd", // 424
  "Triacta Power Technologies, Inc.", // 425
  "Globestar Systems", // 426
  "MLB Advanced Media, LP", // 427
  "SWG Stuckmann Wirtschaftliche Gebäudesysteme GmbH", // 428
  "SensorSwitch", // 429
  "Multitek Power Limited", // 430
  "Aquametro AG", // 431
  "LG Electronics Inc.", // 432
  "Electronic Theatre Controls, Inc.", // 433
  "Mitsubishi Electric Corporation Nagoya Works", // 434
  "Delta Electronics, Inc.", // 435
  "Elma Kurtalj, Ltd.", // 436
  "Tyco Fire & Security GmbH", // 437
  "Nedap Security Management", // 438
  "ESC Automation Inc.", // 439
  "DSP4YOU Ltd.", // 440
  "GE Sensing and Inspection Technologies", // 441
  "Embedded Systems SIA", // 442
  "BEFEGA GmbH", // 443
  "Baseline Inc.", // 444
  "Key2Act", // 445
  "OEMCtrl", // 446
  "Clarkson Controls Limited", // 447
  "Rogerwell Control System Limited", // 448
  "SCL Elements", // 449
  "Hitachi Ltd.", // 450
  "Newron System SA", // 451
  "BEVECO Gebouwautomatisering BV", // 452
  "Streamside Solutions", // 453
  "Yellowstone Soft", // 454
  "Oztech Intelligent Systems Pty Ltd.", // 455
  "Novelan GmbH", // 456
  "Flexim Americas Corporation", // 457
  "ICP DAS Co., Ltd.", // 458
  "CARMA Industries Inc.", // 459
  "Log-One Ltd.", // 460
  "TECO Electric & Machinery Co., Ltd.", // 461
  "ConnectEx, Inc.", // 462
  "Turbo DDC Südwest", // 463
  "Quatrosense Environmental Ltd.", // 464
  "Fifth Light Technology Ltd.", // 465
  "Scientific Solutions, Ltd.", // 466
  "Controller Area Network Solutions (M) Sdn Bhd", // 467
  "RESOL – Elektronische Regelungen GmbH", // 468
  "RPBUS LLC", // 469
  "BRS Sistemas Eletronicos", // 470
  "WindowMaster A/S", // 471
  "Sunlux Technologies Ltd.", // 472
  "Measurlogic", // 473
  "Frimat GmbH", // 474
  "Spirax Sarco", // 475
  "Luxtron", // 476
  "Raypak Inc", // 477
  "Air Monitor Corporation", // 478
  "Regler Och Webbteknik Sverige (ROWS)", // 479
  "Intelligent Lighting Controls Inc.", // 480
  "Sanyo Electric Industry Co., Ltd", // 481
  "E-Mon Energy Monitoring Products", // 482
  "Digital Control Systems", // 483
  "ATI Airtest Technologies, Inc.", // 484
  "SCS SA", // 485
  "HMS Industrial Networks AB", // 486
  "Shenzhen Universal Intellisys Co Ltd", // 487
  "EK Intellisys Sdn Bhd", // 488
  "SysCom", // 489
  "Firecom, Inc.", // 490
  "ESA Elektroschaltanlagen Grimma GmbH", // 491
  "Kumahira Co Ltd", // 492
  "Hotraco", // 493
  "SABO Elektronik GmbH", // 494
  "Equip’Trans", // 495
  "Temperature Control Specialities Co., Inc (TCS)", // 496
  "FlowCon International A/S", // 497
  "ThyssenKrupp Elevator Americas", // 498
  "Abatement Technologies", // 499
  "Continental Control Systems, LLC", // 500
  "WISAG Automatisierungstechnik GmbH & Co KG", // 501
  "EasyIO", // 502
  "EAP-Electric GmbH", // 503
  "Hardmeier", // 504
  "Mircom Group of Companies", // 505
  "Quest Controls", // 506
  "Mestek, Inc", // 507
  "Pulse Energy", // 508
  "Tachikawa Corporation", // 509
  "University of Nebraska-Lincoln", // 510
  "Redwood Systems", // 511
  "PASStec Industrie-Elektronik GmbH", // 512
  "NgEK, Inc.", // 513
  "t-mac Technologies", // 514
  "Jireh Energy Tech Co., Ltd.", // 515
  "Enlighted Inc.", // 516
  "El-Piast Sp. Z o.o", // 517
  "NetxAutomation Software GmbH", // 518
  "Invertek Drives", // 519
  "Deutschmann Automation GmbH & Co. KG", // 520
  "EMU Electronic AG", // 521
  "Phaedrus Limited", // 522
  "Sigmatek GmbH & Co KG", // 523
  "Marlin Controls", // 524
  "Circutor, SA", // 525
  "UTC Fire & Security", // 526
  "DENT Instruments, Inc.", // 527
  "FHP Manufacturing Company – Bosch Group", // 528
  "GE Intelligent Platforms", // 529
  "Inner Range Pty Ltd", // 530
  "GLAS Energy Technology", // 531
  "MSR-Electronic-GmbH", // 532
  "Energy Control Systems, Inc.", // 533
  "EMT Controls", // 534
  "Daintree", // 535
  "EURO ICC d.o.o", // 536
  "TE Connectivity Energy", // 537
  "GEZE GmbH", // 538
  "NEC Corporation", // 539
  "Ho Cheung International Company Limited", // 540
  "Sharp Manufacturing Systems Corporation", // 541
  "DOT CONTROLS a.s.", // 542
  "BeaconMedæs", // 543
  "Midea Commercial Aircon", // 544
  "WattMaster Controls", // 545
  "Kamstrup A/S", // 546
  "CA Computer Automation GmbH", // 547
  "Laars Heating Systems Company", // 548
  "Hitachi Systems, Ltd.", // 549
  "Fushan AKE Electronic Engineering Co., Ltd.", // 550
  "Toshiba International Corporation", // 551
  "Starman Systems, LLC", // 552
  "Samsung Techwin Co., Ltd.", // 553
  "ISAS-Integrated Switchgear and Systems P/L", // 554
  "Reserved for ASHRAE", // 555
  "Obvius", // 556
  "Marek Guzik", // 557
  "Vortek Instruments, LLC", // 558
  "Universal Lighting Technologies", // 559
  "Myers Power Products, Inc.", // 560
  "Vector Controls GmbH", // 561
  "Crestron Electronics, Inc.", // 562
  "A&E Controls Limited", // 563
  "Projektomontaza A.D.", // 564
  "Freeaire Refrigeration", // 565
  "Aqua Cooler Pty Limited", // 566
  "Basic Controls", // 567
  "GE Measurement and Control Solutions Advanced Sensors", // 568
  "EQUAL Networks", // 569
  "Millennial Net", // 570
  "APLI Ltd", // 571
  "Electro Industries/GaugeTech", // 572
  "SangMyung University", // 573
  "Coppertree Analytics, Inc.", // 574
  "CoreNetiX GmbH", // 575
  "Acutherm", // 576
  "Dr. Riedel Automatisierungstechnik GmbH", // 577
  "Shina System Co., Ltd", // 578
  "Iqapertus", // 579
  "PSE Technology", // 580
  "BA Systems", // 581
  "BTICINO", // 582
  "Monico, Inc.", // 583
  "iCue", // 584
  "tekmar Control Systems Ltd.", // 585
  "Control Technology Corporation", // 586
  "GFAE GmbH", // 587
  "BeKa Software GmbH", // 588
  "Isoil Industria SpA", // 589
  "Home Systems Consulting SpA", // 590
  "Socomec", // 591
  "Everex Communications, Inc.", // 592
  "Ceiec Electric Technology", // 593
  "Atrila GmbH", // 594
  "WingTechs", // 595
  "Shenzhen Mek Intellisys Pte Ltd.", // 596
  "Nestfield Co., Ltd.", // 597
  "Swissphone Telecom AG", // 598
  "PNTECH JSC", // 599
  "Horner APG, LLC", // 600
  "PVI Industries, LLC", // 601
  "Ela-compil", // 602
  "Pegasus Automation International LLC", // 603
  "Wight Electronic Services Ltd.", // 604
  "Marcom", // 605
  "Exhausto A/S", // 606
  "Dwyer Instruments, Inc.", // 607
  "Link GmbH", // 608
  "Oppermann Regelgerate GmbH", // 609
  "NuAire, Inc.", // 610
  "Nortec Humidity, Inc.", // 611
  "Bigwood Systems, Inc.", // 612
  "Enbala Power Networks", // 613
  "Inter Energy Co., Ltd.", // 614
  "ETC", // 615
  "COMELEC S.A.R.L", // 616
  "Pythia Technologies", // 617
  "TrendPoint Systems, Inc.", // 618
  "AWEX", // 619
  "Eurevia", // 620
  "Kongsberg E-lon AS", // 621
  "FlaktWoods", // 622
  "E + E Elektronik GES M.B.H.", // 623
  "ARC Informatique", // 624
  "SKIDATA AG", // 625
  "WSW Solutions", // 626
  "Trefon Electronic GmbH", // 627
  "Dongseo System", // 628
  "Kanontec Intelligence Technology Co., Ltd.", // 629
  "EVCO S.p.A.", // 630
  "Accuenergy (Canada) Inc.", // 631
  "SoftDEL", // 632
  "Orion Energy Systems, Inc.", // 633
  "Roboticsware", // 634
  "DOMIQ Sp. z o.o.", // 635
  "Solidyne", // 636
  "Elecsys Corporation", // 637
  "Conditionaire International Pty. Limited", // 638
  "Quebec, Inc.", // 639
  "Homerun Holdings", // 640
  "Murata Americas", // 641
  "Comptek", // 642
  "Westco Systems, Inc.", // 643
  "Advancis Software & Services GmbH", // 644
  "Intergrid, LLC", // 645
  "Markerr Controls, Inc.", // 646
  "Toshiba Elevator and Building Systems Corporation", // 647
  "Spectrum Controls, Inc.", // 648
  "Mkservice", // 649
  "Fox Thermal Instruments", // 650
  "SyxthSense Ltd", // 651
  "DUHA System S R.O.", // 652
  "NIBE", // 653
  "Melink Corporation", // 654
  "Fritz-Haber-Institut", // 655
  "MTU Onsite Energy GmbH, Gas Power Systems", // 656
  "Omega Engineering, Inc.", // 657
  "Avelon", // 658
  "Ywire Technologies, Inc.", // 659
  "M.R. Engineering Co., Ltd.", // 660
  "Lochinvar, LLC", // 661
  "Sontay Limited", // 662
  "GRUPA Slawomir Chelminski", // 663
  "Arch Meter Corporation", // 664
  "Senva, Inc.", // 665
  "Reserved for ASHRAE", // 666
  "FM-Tec", // 667
  "Systems Specialists, Inc.", // 668
  "SenseAir", // 669
  "AB IndustrieTechnik Srl", // 670
  "Cortland Research, LLC", // 671
  "MediaView", // 672
  "VDA Elettronica", // 673
  "CSS, Inc.", // 674
  "Tek-Air Systems, Inc.", // 675
  "ICDT", // 676
  "The Armstrong Monitoring Corporation", // 677
  "DIXELL S.r.l", // 678
  "Lead System, Inc.", // 679
  "ISM EuroCenter S.A.", // 680
  "TDIS", // 681
  "Trade FIDES", // 682
  "Knürr GmbH (Emerson Network Power)", // 683
  "Resource Data Management", // 684
  "Abies Technology, Inc.", // 685
  "UAB Komfovent", // 686
  "MIRAE Electrical Mfg. Co., Ltd.", // 687
  "HunterDouglas Architectural Projects Scandinavia ApS", // 688
  "RUNPAQ Group Co., Ltd", // 689
  "Unicard SA", // 690
  "IE Technologies", // 691
  "Ruskin Manufacturing", // 692
  "Calon Associates Limited", // 693
  "Contec Co., Ltd.", // 694
  "iT GmbH", // 695
  "Autani Corporation", // 696
  "Christian Fortin", // 697
  "HDL", // 698
  "IPID Sp. Z.O.O Limited", // 699
  "Fuji Electric Co., Ltd", // 700
  "View, Inc.", // 701
  "Samsung S1 Corporation", // 702
  "New Lift", // 703
  "VRT Systems", // 704
  "Motion Control Engineering, Inc.", // 705
  "Weiss Klimatechnik GmbH", // 706
  "Elkon", // 707
  "Eliwell Controls S.r.l.", // 708
  "Japan Computer Technos Corp", // 709
  "Rational Network ehf", // 710
  "Magnum Energy Solutions, LLC", // 711
  "MelRok", // 712
  "VAE Group", // 713
  "LGCNS", // 714
  "Berghof Automationstechnik GmbH", // 715
  "Quark Communications, Inc.", // 716
  "Sontex", // 717
  "mivune AG", // 718
  "Panduit", // 719
  "Smart Controls, LLC", // 720
  "Compu-Aire, Inc.", // 721
  "Sierra", // 722
  "ProtoSense Technologies", // 723
  "Eltrac Technologies Pvt Ltd", // 724
  "Bektas Invisible Controls GmbH", // 725
  "Entelec", // 726
  "INNEXIV", // 727
  "Covenant", // 728
  "Davitor AB", // 729
  "TongFang Technovator", // 730
  "Building Robotics, Inc.", // 731
  "HSS-MSR UG", // 732
  "FramTack LLC", // 733
  "B. L. Acoustics, Ltd.", // 734
  "Traxxon Rock Drills, Ltd", // 735
  "Franke", // 736
  "Wurm GmbH & Co", // 737
  "AddENERGIE", // 738
  "Mirle Automation Corporation", // 739
  "Ibis Networks", // 740
  "ID-KARTA s.r.o.", // 741
  "Anaren, Inc.", // 742
  "Span, Incorporated", // 743
  "Bosch Thermotechnology Corp", // 744
  "DRC Technology S.A.", // 745
  "Shanghai Energy Building Technology Co, Ltd", // 746
  "Fraport AG", // 747
  "Flowgroup", // 748
  "Skytron Energy, GmbH", // 749
  "ALTEL Wicha, Golda Sp. J.", // 750
  "Drupal", // 751
  "Axiomatic Technology, Ltd", // 752
  "Bohnke + Partner", // 753
  "Function1", // 754
  "Optergy Pty, Ltd", // 755
  "LSI Virticus", // 756
  "Konzeptpark GmbH", // 757
  "NX Lighting Controls", // 758
  "eCurv, Inc.", // 759
  "Agnosys GmbH", // 760
  "Shanghai Sunfull Automation Co., LTD", // 761
  "Kurz Instruments, Inc.", // 762
  "Cias Elettronica S.r.l.", // 763
  "Multiaqua, Inc.", // 764
  "BlueBox", // 765
  "Sensidyne", // 766
  "Viessmann Elektronik GmbH", // 767
  "ADFweb.com srl", // 768
  "Gaylord Industries", // 769
  "Majur Ltd.", // 770
  "Shanghai Huilin Technology Co., Ltd.", // 771
  "Exotronic", // 772
  "SAFECONTROL s.r.o.", // 773
  "Amatis", // 774
  "Universal Electric Corporation", // 775
  "iBACnet", // 776
  "Reserved for ASHRAE", // 777
  "Smartrise Engineering, Inc.", // 778
  "Miratron, Inc.", // 779
  "SmartEdge", // 780
  "Mitsubishi Electric Australia Pty Ltd", // 781
  "Triangle Research International Ptd Ltd", // 782
  "Produal Oy", // 783
  "Milestone Systems A/S", // 784
  "Trustbridge", // 785
  "Feedback Solutions", // 786
  "IES", // 787
  "ABB Power Protection SA", // 788
  "Riptide IO", // 789
  "Messerschmitt Systems AG", // 790
  "Dezem Energy Controlling", // 791
  "MechoSystems", // 792
  "evon GmbH", // 793
  "CS Lab GmbH", // 794
  "8760 Enterprises, Inc.", // 795
  "Touche Controls", // 796
  "Ontrol Teknik Malzeme San. ve Tic. A.S.", // 797
  "Uni Control System Sp. Z o.o.", // 798
  "Weihai Ploumeter Co., Ltd", // 799
  "Elcom International Pvt. Ltd", // 800
  "Signify", // 801
  "AutomationDirect", // 802
  "Paragon Robotics", // 803
  "SMT System & Modules Technology AG", // 804
  "Radix IoT LLC", // 805
  "CMR Controls Ltd", // 806
  "Innovari, Inc.", // 807
  "ABB Control Products", // 808
  "Gesellschaft fur Gebäudeautomation mbH", // 809
  "RODI Systems Corp.", // 810
  "Nextek Power Systems", // 811
  "Creative Lighting", // 812
  "WaterFurnace International", // 813
  "Mercury Security", // 814
  "Hisense (Shandong) Air-Conditioning Co., Ltd.", // 815
  "Layered Solutions, Inc.", // 816
  "Leegood Automatic System, Inc.", // 817
  "Shanghai Restar Technology Co., Ltd.", // 818
  "Reimann Ingenieurbüro", // 819
  "LynTec", // 820
  "HTP", // 821
  "Elkor Technologies, Inc.", // 822
  "Bentrol Pty Ltd", // 823
  "Team-Control Oy", // 824
  "NextDevice, LLC", // 825
  "iSMA CONTROLLI S.p.a.", // 826
  "King I Electronics Co., Ltd", // 827
  "SAMDAV", // 828
  "Next Gen Industries Pvt. Ltd.", // 829
  "Entic LLC", // 830
  "ETAP", // 831
  "Moralle Electronics Limited", // 832
  "Leicom AG", // 833
  "Watts Regulator Company", // 834
  "S.C. Orbtronics S.R.L.", // 835
  "Gaussan Technologies", // 836
  "WEBfactory GmbH", // 837
  "Ocean Controls", // 838
  "Messana Air-Ray Conditioning s.r.l.", // 839
  "Hangzhou BATOWN Technology Co. Ltd.", // 840
  "Reasonable Controls", // 841
  "Servisys, Inc.", // 842
  "halstrup-walcher GmbH", // 843
  "SWG Automation Fuzhou Limited", // 844
  "KSB Aktiengesellschaft", // 845
  "Hybryd Sp. z o.o.", // 846
  "Helvatron AG", // 847
  "Oderon Sp. Z.O.O.", // 848
  "mikolab", // 849
  "Exodraft", // 850
  "Hochhuth GmbH", // 851
  "Integrated System Technologies Ltd.", // 852
  "Shanghai Cellcons Controls Co., Ltd", // 853
  "Emme Controls, LLC", // 854
  "Field Diagnostic Services, Inc.", // 855
  "Ges Teknik A.S.", // 856
  "Global Power Products, Inc.", // 857
  "Option NV", // 858
  "BV-Control AG", // 859
  "Sigren Engineering AG", // 860
  "Shanghai Jaltone Technology Co., Ltd.", // 861
  "MaxLine Solutions Ltd", // 862
  "Kron Instrumentos Elétricos Ltda", // 863
  "Thermo Matrix", // 864
  "Infinite Automation Systems, Inc.", // 865
  "Vantage", // 866
  "Elecon Measurements Pvt Ltd", // 867
  "TBA", // 868
  "Carnes Company", // 869
  "Harman Professional", // 870
  "Nenutec Asia Pacific Pte Ltd", // 871
  "Gia NV", // 872
  "Kepware Tehnologies", // 873
  "Temperature Electronics Ltd", // 874
  "Packet Power", // 875
  "Project Haystack Corporation", // 876
  "DEOS Controls Americas Inc.", // 877
  "Senseware Inc", // 878
  "MST Systemtechnik AG", // 879
  "Lonix Ltd", // 880
  "Gossen Metrawatt GmbH", // 881
  "Aviosys International Inc.", // 882
  "Efficient Building Automation Corp.", // 883
  "Accutron Instruments Inc.", // 884
  "Vermont Energy Control Systems LLC", // 885
  "DCC Dynamics", // 886
  "B.E.G. Brück Electronic GmbH", // 887
  "Reserved for ASHRAE", // 888
  "NGBS Hungary Ltd.", // 889
  "ILLUM Technology, LLC", // 890
  "Delta Controls Germany Limited", // 891
  "S+T Service & Technique S.A.", // 892
  "SimpleSoft", // 893
  "Altair Engineering", // 894
  "EZEN Solution Inc.", // 895
  "Fujitec Co. Ltd.", // 896
  "Terralux", // 897
  "Annicom", // 898
  "Bihl+Wiedemann GmbH", // 899
  "Draper, Inc.", // 900
  "Schüco International KG", // 901
  "Otis Elevator Company", // 902
  "Fidelix Oy", // 903
  "RAM GmbH Mess- und Regeltechnik", // 904
  "WEMS", // 905
  "Ravel Electronics Pvt Ltd", // 906
  "OmniMagni", // 907
  "Echelon", // 908
  "Intellimeter Canada, Inc.", // 909
  "Bithouse Oy", // 910
  "Reserved for ASHRAE", // 911
  "BuildPulse", // 912
  "Shenzhen 1000 Building Automation Co. Ltd", // 913
  "AED Engineering GmbH", // 914
  "Güntner GmbH & Co. KG", // 915
  "KNXlogic", // 916
  "CIM Environmental Group", // 917
  "Flow Control", // 918
  "Lumen Cache, Inc.", // 919
  "Ecosystem", // 920
  "Potter Electric Signal Company, LLC", // 921
  "Tyco Fire & Security S.p.A.", // 922
  "Watanabe Electric Industry Co., Ltd.", // 923
  "Causam Energy", // 924
  "W-tec AG", // 925
  "IMI Hydronic Engineering International SA", // 926
  "ARIGO Software", // 927
  "MSA Safety", // 928
  "Smart Solucoes Ltda – MERCATO", // 929
  "PIATRA Engineering", // 930
  "ODIN Automation Systems, LLC", // 931
  "Belparts NV", // 932
  "UAB, SALDA", // 933
  "Alre-IT Regeltechnik GmbH", // 934
  "Ingenieurbüro H. Lertes GmbH & Co. KG", // 935
  "Breathing Buildings", // 936
  "eWON SA", // 937
  "Cav. Uff. Giacomo Cimberio S.p.A", // 938
  "PKE Electronics AG", // 939
  "Allen", // 940
  "Kastle Systems", // 941
  "Logical Electro-Mechanical (EM) Systems, Inc.", // 942
  "ppKinetics Instruments, LLC", // 943
  "Cathexis Technologies", // 944
  "Sylop sp. Z o.o. sp.k", // 945
  "Brauns Control GmbH", // 946
  "OMRON SOCIAL SOLUTIONS CO., LTD.", // 947
  "Wildeboer Bauteile Gmbh", // 948
  "Shanghai Biens Technologies Ltd", // 949
  "Beijing HZHY Technology Co., Ltd", // 950
  "Building Clouds", // 951
  "The University of Sheffield-Department of Electronic and Electrical Engineering", // 952
  "Fabtronics Australia Pty Ltd", // 953
  "SLAT", // 954
  "Software Motor Corporation", // 955
  "Armstrong International Inc.", // 956
  "Steril-Aire, Inc.", // 957
  "Infinique", // 958
  "Arcom", // 959
  "Argo Performance, Ltd", // 960
  "Dialight", // 961
  "Ideal Technical Solutions", // 962
  "Neurobat AG", // 963
  "Neyer Software Consulting LLC", // 964
  "SCADA Technology Development Co., Ltd.", // 965
  "Demand Logic Limited", // 966
  "GWA Group Limited", // 967
  "Occitaline", // 968
  "NAO Digital Co., Ltd.", // 969
  "Shenzhen Chanslink Network Technology Co., Ltd.", // 970
  "Samsung Electronics Co., Ltd.", // 971
  "Mesa Laboratories, Inc.", // 972
  "Fischer", // 973
  "OpSys Solutions Ltd.", // 974
  "Advanced Devices Limited", // 975
  "Condair", // 976
  "INELCOM Ingenieria Electronica Comercial S.A.", // 977
  "GridPoint, Inc.", // 978
  "ADF Technologies Sdn Bhd", // 979
  "EPM, Inc.", // 980
  "Lighting Controls Ltd", // 981
  "Perix Controls Ltd.", // 982
  "AERCO International, Inc.", // 983
  "KONE Inc.", // 984
  "Ziehl-Abegg SE", // 985
  "Robot, S.A.", // 986
  "Optigo Networks, Inc.", // 987
  "Openmotics BVBA", // 988
  "Metropolitan Industries, Inc.", // 989
  "Huawei Technologies Co., Ltd.", // 990
  "Digital Lumens, Inc.", // 991
  "Vanti", // 992
  "Cree Lighting", // 993
  "Richmond Heights SDN BHD", // 994
  "Payne-Sparkman Lighting Mangement", // 995
  "Ashcroft", // 996
  "Jet Controls Corp", // 997
  "Zumtobel Lighting GmbH", // 998
  "Reserved for ASHRAE", // 999
  "Ekon GmbH", // 1000
  "Molex", // 1001
  "Maco Lighting Pty Ltd.", // 1002
  "Axecon Corp.", // 1003
  "Tensor plc", // 1004
  "Kaseman Environmental Control Equipment (Shanghai) Limited", // 1005
  "AB Axis Industries", // 1006
  "Netix Controls", // 1007
  "Eldridge Products, Inc.", // 1008
  "Micronics", // 1009
  "Fortecho Solutions Ltd", // 1010
  "Sellers Manufacturing Company", // 1011
  "Rite-Hite Doors, Inc.", // 1012
  "Violet Defense LLC", // 1013
  "Simna", // 1014
  "Multi-Énergie Best Inc.", // 1015
  "Mega System Technologies, Inc.", // 1016
  "Rheem", // 1017
  "Ing. Punzenberger COPA-DATA GmbH", // 1018
  "MEC Electronics GmbH", // 1019
  "Taco Comfort Solutions", // 1020
  "Alexander Maier GmbH", // 1021
  "Ecorithm, Inc.", // 1022
  "Accurro Ltd", // 1023
  "ROMTECK Australia Pty Ltd", // 1024
  "Splash Monitoring Limited", // 1025
  "Light Application", // 1026
  "Logical Building Automation", // 1027
  "Exilight Oy", // 1028
  "Hager Electro SAS", // 1029
  "KLIF Co., LTD", // 1030
  "HygroMatik", // 1031
  "Daniel Mousseau Programmation & Electronique", // 1032
  "Aerionics Inc.", // 1033
  "M2S Electronique Ltee", // 1034
  "Automation Components, Inc.", // 1035
  "Niobrara Research & Development Corporation", // 1036
  "Netcom Sicherheitstechnik GmbH", // 1037
  "Lumel S.A.", // 1038
  "Great Plains Industries, Inc.", // 1039
  "Domotica Labs S.R.L", // 1040
  "Energy Cloud, Inc.", // 1041
  "Vomatec", // 1042
  "Demma Companies", // 1043
  "Valsena", // 1044
  "Comsys Bärtsch AG", // 1045
  "bGrid", // 1046
  "MDJ Software Pty Ltd", // 1047
  "Dimonoff, Inc.", // 1048
  "Edomo Systems, GmbH", // 1049
  "Effektiv, LLC", // 1050
  "SteamOVap", // 1051
  "grandcentrix GmbH", // 1052
  "Weintek Labs, Inc.", // 1053
  "Intefox GmbH", // 1054
  "Radius22 Automation Company", // 1055
  "Ringdale, Inc.", // 1056
  "Iwaki America", // 1057
  "Bractlet", // 1058
  "STULZ Air Technology Systems, Inc.", // 1059
  "Climate Ready Engineering Pty Ltd", // 1060
  "Genea Energy Partners", // 1061
  "IoTall Chile", // 1062
  "IKS Co., Ltd.", // 1063
  "Yodiwo AB", // 1064
  "TITAN electronic GmbH", // 1065
  "IDEC Corporation", // 1066
  "SIFRI SL", // 1067
  "Thermal Gas Systems Inc.", // 1068
  "Building Automation Products, Inc.", // 1069
  "Asset Mapping", // 1070
  "Smarteh Company", // 1071
  "Datapod (Australia) Pty Ltd.", // 1072
  "Buildings Alive Pty Ltd", // 1073
  "Digital Elektronik", // 1074
  "Talent Automação e Tecnologia Ltda", // 1075
  "Norposh Limited", // 1076
  "Merkur Funksysteme AG", // 1077
  "Faster CZ spol. S.r.o", // 1078
  "Eco-Adapt", // 1079
  "Energocentrum Plus, s.r.o", // 1080
  "amBX UK Ltd", // 1081
  "Western Reserve Controls, Inc.", // 1082
  "LayerZero Power Systems, Inc.", // 1083
  "CIC Jan Hřebec s.r.o.", // 1084
  "Sigrov BV", // 1085
  "ISYS-Intelligent Systems", // 1086
  "Gas Detection (Australia) Pty Ltd", // 1087
  "Kinco Automation (Shanghai) Ltd.", // 1088
  "Lars Energy, LLC", // 1089
  "Flamefast (UK) Ltd.", // 1090
  "Royal Service Air Conditioning", // 1091
  "Ampio Sp. Z o.o.", // 1092
  "Inovonics Wireless Corporation", // 1093
  "Nvent Thermal Management", // 1094
  "Sinowell Control System Ltd", // 1095
  "Moxa Inc.", // 1096
  "Matrix iControl SDN BHD", // 1097
  "PurpleSwift", // 1098
  "OTIM Technologies", // 1099
  "FlowMate Limited", // 1100
  "Degree Controls, Inc.", // 1101
  "Fei Xing (Shanghai) Software Technologies Co., Ltd.", // 1102
  "Berg GmbH", // 1103
  "ARENZ.IT", // 1104
  "Edelstrom Electronic Devices & Designing LLC", // 1105
  "Drive Connect, LLC", // 1106
  "DevelopNow", // 1107
  "Poort", // 1108
  "VMEIL Information (Shanghai) Ltd", // 1109
  "Rayleigh Instruments", // 1110
  "Reserved for ASHRAE", // 1111
  "CODESYS Development", // 1112
  "Smartware Technologies Group, LLC", // 1113
  "Polar Bear Solutions", // 1114
  "Codra", // 1115
  "Pharos Architectural Controls Ltd", // 1116
  "EngiNear Ltd.", // 1117
  "Ad Hoc Electronics", // 1118
  "Unified Microsystems", // 1119
  "Industrieelektronik Brandenburg GmbH", // 1120
  "Hartmann GmbH", // 1121
  "Piscada", // 1122
  "KMB systems, s.r.o.", // 1123
  "PowerTech Engineering AS", // 1124
  "Telefonbau Arthur Schwabe GmbH & Co. KG", // 1125
  "Wuxi Fistwelove Technology Co., Ltd.", // 1126
  "Prysm", // 1127
  "STEINEL GmbH", // 1128
  "Georg Fischer JRG AG", // 1129
  "Make Develop SL", // 1130
  "Monnit Corporation", // 1131
  "Mirror Life Corporation", // 1132
  "Secure Meters Limited", // 1133
  "PECO", // 1134
  ".CCTECH, Inc.", // 1135
  "LightFi Limited", // 1136
  "Nice Spa", // 1137
  "Fiber SenSys, Inc.", // 1138
  "B&D Buchta und Degeorgi", // 1139
  "Ventacity Systems, Inc.", // 1140
  "Hitachi-Johnson Controls Air Conditioning, Inc.", // 1141
  "Sage Metering, Inc.", // 1142
  "Andel Limited", // 1143
  "ECOSmart Technologies", // 1144
  "S.E.T.", // 1145
  "Protec Fire Detection Spain SL", // 1146
  "AGRAMER UG", // 1147
  "Anylink Electronic GmbH", // 1148
  "Schindler, Ltd", // 1149
  "Jibreel Abdeen Est.", // 1150
  "Fluidyne Control Systems Pvt. Ltd", // 1151
  "Prism Systems, Inc.", // 1152
  "Enertiv", // 1153
  "Mirasoft GmbH & Co. KG", // 1154
  "DUALTECH IT", // 1155
  "Countlogic, LLC", // 1156
  "Kohler", // 1157
  "Chen Sen Controls Co., Ltd.", // 1158
  "Greenheck", // 1159
  "Intwine Connect, LLC", // 1160
  "Karlborgs Elkontroll", // 1161
  "Datakom", // 1162
  "Hoga Control AS", // 1163
  "Cool Automation", // 1164
  "Inter Search Co., Ltd", // 1165
  "DABBEL-Automation Intelligence GmbH", // 1166
  "Gadgeon Engineering Smartness", // 1167
  "Coster Group S.r.l.", // 1168
  "Walter Müller AG", // 1169
  "Fluke", // 1170
  "Quintex Systems Ltd", // 1171
  "Senfficient SDN BHD", // 1172
  "Nube iO Operations Pty Ltd", // 1173
  "DAS Integrator Pte Ltd", // 1174
  "CREVIS Co., Ltd", // 1175
  "iSquared software inc.", // 1176
  "KTG GmbH", // 1177
  "POK Group Oy", // 1178
  "Adiscom", // 1179
  "Incusense", // 1180
  "75F", // 1181
  "Anord Mardix, Inc.", // 1182
  "HOSCH Gebäudeautomation Neue Produkte GmbH", // 1183
  "Bosch.IO GmbH", // 1184
  "Royal Boon Edam International B.V.", // 1185
  "Clack Corporation", // 1186
  "Unitex Controls LLC", // 1187
  "KTC Göteborg AB", // 1188
  "Interzon AB", // 1189
  "ISDE ING SL", // 1190
  "ABM automation building messaging GmbH", // 1191
  "Kentec Electronics Ltd", // 1192
  "Emerson Commercial and Residential Solutions", // 1193
  "Powerside", // 1194
  "SMC Group", // 1195
  "EOS Weather Instruments", // 1196
  "Zonex Systems", // 1197
  "Generex Systems Computervertriebsgesellschaft mbH", // 1198
  "Energy Wall LLC", // 1199
  "Thermofin", // 1200
  "SDATAWAY SA", // 1201
  "Biddle Air Systems Limited", // 1202
  "Kessler Ellis Products", // 1203
  "Thermoscreens", // 1204
  "Modio", // 1205
  "Newron Solutions", // 1206
  "Unitronics", // 1207
  "TRILUX GmbH & Co. KG", // 1208
  "Kollmorgen Steuerungstechnik GmbH", // 1209
  "Bosch Rexroth AG", // 1210
  "Alarko Carrier", // 1211
  "Verdigris Technologies", // 1212
  "Shanghai SIIC-Longchuang Smartech So., Ltd.", // 1213
  "Quinda Co.", // 1214
  "GRUNER AG", // 1215
  "BACMOVE", // 1216
  "PSIDAC AB", // 1217
  "ISICON-Control Automation", // 1218
  "Big Ass Fans", // 1219
  "din – Dietmar Nocker Facility Management GmbH", // 1220
  "Teldio", // 1221
  "MIKROKLIMA s.r.o.", // 1222
  "Density", // 1223
  "ICONAG-Leittechnik GmbH", // 1224
  "Awair", // 1225
  "T&D Engineering, Ltd", // 1226
  "Sistemas Digitales", // 1227
  "Loxone Electronics GmbH", // 1228
  "ActronAir", // 1229
  "Inductive Automation", // 1230
  "Thor Engineering GmbH", // 1231
  "Berner International, LLC", // 1232
  "Potsdam Sensors LLC", // 1233
  "Kohler Mira Ltd", // 1234
  "Tecomon GmbH", // 1235
  "Two Dimensional Instruments, LLC", // 1236
  "LEFA Technologies Pte. Ltd.", // 1237
  "EATON CEAG Notlichtsysteme GmbH", // 1238
  "Commbox Tecnologia", // 1239
  "IPVideo Corporation", // 1240
  "Bender GmbH & Co. KG", // 1241
  "Rhymebus Corporation", // 1242
  "Axon Systems Ltd", // 1243
  "Engineered Air", // 1244
  "Elipse Software Ltda", // 1245
  "Simatix Building Technologies Pvt. Ltd.", // 1246
  "W.A. Benjamin Electric Co.", // 1247
  "TROX Air Conditioning Components (Suzhou) Co. Ltd.", // 1248
  "SC Medical Pty Ltd.", // 1249
  "Elcanic A/S", // 1250
  "Obeo AS", // 1251
  "Tapa, Inc.", // 1252
  "ASE Smart Energy, Inc.", // 1253
  "Performance Services, Inc.", // 1254
  "Veridify Security", // 1255
  "CD Innovation LTD", // 1256
  "Ben Peoples Industries, LLC", // 1257
  "UNICOMM Sp. z o.o", // 1258
  "Thing Technologies GmbH", // 1259
  "Beijing Hailin Control Technology, Inc.", // 1260
  "Digital Realty", // 1261
  "Agrowtek Inc.", // 1262
  "DSP Innovation BV", // 1263
  "STV Electronic GmbH", // 1264
  "Elmeasure India Pvt Ltd.", // 1265
  "Pineshore Energy LLC", // 1266
  "Brasch Environmental Technologies, LLC", // 1267
  "Lion Controls Co., LTD", // 1268
  "Sinux", // 1269
  "Avnet Inc.", // 1270
  "Somfy Activites SA", // 1271
  "Amico", // 1272
  "SageGlass", // 1273
  "AuVerte", // 1274
  "Agile Connects Pvt. Ltd.", // 1275
  "Locimation Pty Ltd", // 1276
  "Envio Systems GmbH", // 1277
  "Voytech Systems Limited", // 1278
  "Davidsmeyer und Paul GmbH", // 1279
  "Lusher Engineering Services", // 1280
  "CHNT Nanjing Techsel Intelligent Company LTD", // 1281
  "Threetronics Pty Ltd", // 1282
  "SkyFoundry, LLC", // 1283
  "HanilProTech", // 1284
  "Sensorscall", // 1285
  "Shanghai Jingpu Information Technology, Co., Ltd.", // 1286
  "Lichtmanufaktur Berlin GmbH", // 1287
  "Eco Parking Technologies", // 1288
  "Envision Digital International Pte Ltd", // 1289
  "Antony Developpement Electronique", // 1290
  "i2systems", // 1291
  "Thureon International Limited", // 1292
  "Pulsafeeder", // 1293
  "MegaChips Corporation", // 1294
  "TES Controls", // 1295
  "Cermate", // 1296
  "Grand Valley State University", // 1297
  "Symcon Gmbh", // 1298
  "The Chicago Faucet Company", // 1299
  "Geberit AG", // 1300
  "Rex Controls", // 1301
  "IVMS GmbH", // 1302
  "MNPP Saturn Ltd.", // 1303
  "Regal Beloit", // 1304
  "ACS-Air Conditioning Solutions", // 1305
  "GBX Technology, LLC", // 1306
  "Kaiterra", // 1307
  "ThinKuan loT Technology (Shanghai) Co., Ltd", // 1308
  "HoCoSto B.V.", // 1309
  "Shenzhen AS-AI Technology Co., Ltd.", // 1310
  "RPS S.p.a.", // 1311
  "Esmé solutions", // 1312
  "IOTech Systems Limited", // 1313
  "i-AutoLogic Co., Ltd.", // 1314
  "New Age Micro, LLC", // 1315
  "Guardian Glass", // 1316
  "Guangzhou Zhaoyu Information Technology", // 1317
  "ACE IoT Solutions LLC", // 1318
  "Poris Electronics Co., Ltd.", // 1319
  "Terminus Technologies Group", // 1320
  "Intech 21, Inc.", // 1321
  "Accurate Electronics", // 1322
  "Fluence Bioengineering", // 1323
  "Mun Hean Singapore Pte Ltd", // 1324
  "Katronic AG & Co. KG", // 1325
  "Suzhou XinAo Information Technology Co. Ltd", // 1326
  "Linktekk Technology, JSC.", // 1327
  "Stirling Ultracold", // 1328
  "UV Partners, Inc.", // 1329
  "ProMinent GmbH", // 1330
  "Multi-Tech Systems, Inc.", // 1331
  "JUMO GmbH & Co. KG", // 1332
  "Qingdao Huarui Technology Co. Ltd.,", // 1333
  "Cairn Systemes", // 1334
  "NeuroLogic Research Corp.", // 1335
  "Transition Technologies Advanced Solutions Sp. z o.o", // 1336
  "Xxter bv", // 1337
  "PassiveLogic", // 1338
  "EnSmart Controls", // 1339
  "Watts Heating and Hot Water Solutions, dba Lync", // 1340
  "Troposphaira Technologies LLP", // 1341
  "Network Thermostat", // 1342
  "Titanium Intelligent Solutions, LLC", // 1343
  "Numa Products, LLC", // 1344
  "WAREMA Renkhoff SE", // 1345
  "Frese A/S", // 1346
  "Mapped", // 1347
  "ELEKTRODESIGN ventilatory s.r.o", // 1348
  "AirCare Automation, Inc.", // 1349
  "Antrum", // 1350
  "Bao Linh Connect Technology", // 1351
  "Virginia Controls, LLC", // 1352
  "Duosys SDN BHD", // 1353
  "Onsen SAS", // 1354
  "Vaughn Thermal Corporation", // 1355
  "Thermoplastic Engineering Ltd (TPE)", // 1356
  "Wirth Research Ltd.", // 1357
  "SST Automation", // 1358
  "Shanghai Bencol Electronic Technology Co., Ltd", // 1359
  "AIWAA Systems Private Limited", // 1360
  "Enless Wireless", // 1361
  "Ozuno Engineering Pty Ltd", // 1362
  "Hubbell, The Electric Heater Company", // 1363
  "Industrial Turnaround Corporation (ITAC)", // 1364
  "Wadsworth Control Systems", // 1365
  "Services Hilo Inc.", // 1366
  "iDM Energiesysteme GmbH", // 1367
  "BeNext B.V.", // 1368
  "CleanAir.ai Corporation", // 1369
  "Revolution Microelectronics (America) Inc.", // 1370
  "Real-Time Systems GmbH", // 1371
  "ZedBee Technologies Pvt Ltd", // 1372
  "Winmate Technology Solutions Pvt. Ltd.", // 1373
  "Senticon Ltd.", // 1374
  "Rossaker AB", // 1375
  "OPIT Solutions Ltd", // 1376
  "Hotowell International Co., Limited", // 1377
  "Inim Electronics S.R.L. Unipersonale", // 1378
  "Airthings ASA", // 1379
  "Analog Devices, Inc.", // 1380
  "AIDirections DMCC", // 1381
  "Prima Electro S.p.A.", // 1382
  "KLT Control System Ltd.", // 1383
  "Evolution Controls Inc.", // 1384
  "Bever Innovations", // 1385
  "Pelican Wireless Systems", // 1386
  "Control Concepts Inc.", // 1387
  "Augmatic Technologies Pvt. Ltd.", // 1388
  "Xiamen Milesight loT Co., Ltd", // 1389
  "Tianjin Anjie loT Schience and Technology Co., Ltd", // 1390
  "Guangzhou S. Energy Electronics Technology Co. Ltd.", // 1391
  "AKVO Atmospheric Water Systems Pvt. Ltd.", // 1392
  "EmFirst Co. Ltd.", // 1393
  "Iion Systems ApS", // 1394
  "", // 1395
  "SAF Tehnika JSC", // 1396
  "Komfort IQ, Inc.", // 1397
  "CoolTera Limited", // 1398
  "Hadron Solutions S.r.l.s", // 1399
  "", // 1400
  "Bitpool", // 1401
  "Sonicu, LLC", // 1402
  "Rishabh Instruments Limited", // 1403
  "Thing Warehouse LLC", // 1404
  "Innofriends GmbH", // 1405
  "Metronic AKP Sp. J.", // 1406
  "Techknave", // 1407
  "Elsner Elektronik", // 1408
  "LEFOO Industrial (Hangzhou) Co., Ltd.", // 1409
  "Calibration Technologies, Inc.", // 1410
  "Allorado", // 1411
  "Verkada", // 1412
  "Wattsense", // 1413
  "Emerson Automation Solutions", // 1414
  "Growlink", // 1415
  "Olympia Electronics", // 1416
  "Normal Software, Inc.", // 1417
  "ST Engineering Solution JSC", // 1418
  "Industrial Flow Solutions", // 1419
  "Ubiqisense ApS", // 1420
  "Tiger-Soft", // 1421
  "Ecodom Srl", // 1422
  "Bilgipro IoT Systems", // 1423
  "planspur netdesign GmbH", // 1424
  "Dolphin Solutions Ltd", // 1425
  "Mitsubishi Electric Corporation, Kobe Works", // 1426
  "Ecovena", // 1427
  "Gree Electric Appliances Inc of Zhuhai", // 1428
  "Conspec Controls", // 1429
  "Hangzhou Hikvision Digital Technology Co., Ltd.", // 1430
  "Crystal Peak Security", // 1431
  "PermAlert", // 1432
  "Zhejiang Misilin Technology Co., Ltd.", // 1433
  "Dekker Vacuum Technologies", // 1434
  "Edwards Limited", // 1435
  "Leybold GmbH", // 1436
  "International Gas Detectors", // 1437
  "Atlas Copco Airpower NV", // 1438
  "Air Sentry Limited", // 1439
  "Aelsys", // 1440
  "Granby Consulting LLC", // 1441
  "Clever Relay", // 1442
  "Monico Monitoring, Inc.", // 1443
  "Oqdo", // 1444
  "Matrix Comsec Private Limited", // 1445
  "Resource Solutions", // 1446
  "American Gas Safety, LLC", // 1447
  "S&S Northern Ltd.", // 1448
  "Ulbios Techsens", // 1449
  "Bowery Farming, Inc.", // 1450
  "Ryobi Limited", // 1451
  "EkkoSense Ltd", // 1452
  "ClimaCool", // 1453
];
