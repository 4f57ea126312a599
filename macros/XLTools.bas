Attribute VB_Name = "XLTools"
' xltools: the four buttons of the "Bao cao KT-XH" ribbon tab.
'
' Each button runs one handler of the Python module xltools.excel on the active workbook:
' on this computer with xlwings' RunPython, or, when XLTOOLS_SERVER_URL is set, on the
' office's xltools server with RunRemotePython (staff PCs then need no Python).
' Needs a reference to the xlwings add-in (VBA editor > Tools > References > xlwings).
' Text shown to users is built with ChrW: the module stays ASCII and imports the same on every code page.
Option Explicit

' Leave empty to run Python on this computer; e.g. "http://10.0.0.5:8000" to use the server.
Private Const XLTOOLS_SERVER_URL As String = ""
' The access code given to `xltools serve --token`; empty when the server runs without one.
Private Const XLTOOLS_TOKEN As String = ""

Private protectedSheets As Collection

#If Not Mac Then
Private Declare PtrSafe Function MessageBoxW Lib "user32" (ByVal hwnd As LongPtr, ByVal text As LongPtr, _
    ByVal caption As LongPtr, ByVal style As Long) As Long
#End If

' ---------------------------------------------------------------- ribbon callbacks

Public Sub XLToolsCheckButton(control As IRibbonControl)
    XLToolsCheck
End Sub

Public Sub XLToolsComputeButton(control As IRibbonControl)
    XLToolsCompute
End Sub

Public Sub XLToolsMergeButton(control As IRibbonControl)
    XLToolsMerge
End Sub

Public Sub XLToolsReportButton(control As IRibbonControl)
    XLToolsReport
End Sub

' ---------------------------------------------------------------- one Sub per button
' (also usable from a shape button or Alt+F8)

Public Sub XLToolsCheck()
    If Not XLToolsBegin() Then Exit Sub
    If XLTOOLS_SERVER_URL = "" Then
        RunPython "import xltools.excel as x; x.check_caller()"
    Else
        RunRemotePython XLToolsUrl("check"), XLTOOLS_TOKEN
    End If
    XLToolsEnd
End Sub

Public Sub XLToolsCompute()
    If Not XLToolsBegin() Then Exit Sub
    If XLTOOLS_SERVER_URL = "" Then
        RunPython "import xltools.excel as x; x.compute_caller()"
    Else
        RunRemotePython XLToolsUrl("compute"), XLTOOLS_TOKEN
    End If
    XLToolsEnd
End Sub

Public Sub XLToolsMerge()
    If Not XLToolsBegin() Then Exit Sub
    If XLTOOLS_SERVER_URL = "" Then
        RunPython "import xltools.excel as x; x.merge_caller()"
    Else
        RunRemotePython XLToolsUrl("merge"), XLTOOLS_TOKEN
    End If
    XLToolsEnd
End Sub

Public Sub XLToolsReport()
    If Not XLToolsBegin() Then Exit Sub
    If XLTOOLS_SERVER_URL = "" Then
        RunPython "import xltools.excel as x; x.report_caller()"
    Else
        RunRemotePython XLToolsUrl("report"), XLTOOLS_TOKEN
    End If
    XLToolsEnd
End Sub

' ---------------------------------------------------------------- called back by the server

' Set (or, with an empty text, remove) the note of one cell. The server asks for this
' through xlwings' runMacro action, because VBA clients have no note action of their own.
Public Sub XLToolsSetNote(wb As Workbook, sheetName As Variant, address As Variant, text As Variant)
    Dim cell As Range
    Set cell = wb.Worksheets(CStr(sheetName)).Range(CStr(address))
    If Not cell.Comment Is Nothing Then cell.Comment.Delete
    If CStr(text) <> "" Then
        cell.AddComment CStr(text)
        cell.Comment.Shape.Width = 300
        cell.Comment.Shape.Height = 90
    End If
End Sub

' ---------------------------------------------------------------- helpers

Private Function XLToolsUrl(handler As String) As String
    ' `macros` tells the server which workbook holds XLToolsSetNote (this add-in or workbook).
    XLToolsUrl = XLTOOLS_SERVER_URL & "/xlwings/" & handler & "?macros=" & _
        Application.WorksheetFunction.EncodeURL(ThisWorkbook.Name)
End Function

' Unprotect the sheets of the active workbook so the results can be written (the standard
' workbooks are protected without a password); remember which ones to protect again.
Private Function XLToolsBegin() As Boolean
    Dim sheet As Worksheet
    If ActiveWorkbook Is Nothing Then Exit Function
    Set protectedSheets = New Collection
    On Error GoTo Locked
    For Each sheet In ActiveWorkbook.Worksheets
        If sheet.ProtectContents Then
            sheet.Unprotect
            protectedSheets.Add sheet.Name
        End If
    Next
    XLToolsBegin = True
    Exit Function
Locked:
    ' "Trang tinh ... duoc khoa bang mat khau; khong ghi duoc ket qua."
    XLToolsShow "Trang t" & ChrW(237) & "nh " & sheet.Name & " " & ChrW(273) & ChrW(432) & ChrW(7907) & _
        "c kh" & ChrW(243) & "a b" & ChrW(7857) & "ng m" & ChrW(7853) & "t kh" & ChrW(7849) & "u; kh" & _
        ChrW(244) & "ng ghi " & ChrW(273) & ChrW(432) & ChrW(7907) & "c k" & ChrW(7871) & "t qu" & ChrW(7843) & "."
    XLToolsProtectAgain
End Function

' Protect again what XLToolsBegin unprotected, then show the outcome the handler wrote next
' to the label "Ket qua xu ly" (sheet Thong tin, or Kiem tra when Thong tin is missing).
Private Sub XLToolsEnd()
    XLToolsProtectAgain
    Dim message As String
    message = XLToolsOutcome()
    If message <> "" Then XLToolsShow message
End Sub

Private Sub XLToolsProtectAgain()
    Dim name As Variant
    If protectedSheets Is Nothing Then Exit Sub
    On Error Resume Next
    For Each name In protectedSheets
        ActiveWorkbook.Worksheets(CStr(name)).Protect AllowFormattingColumns:=True, AllowFormattingRows:=True
    Next
    Set protectedSheets = Nothing
End Sub

Private Function XLToolsOutcome() As String
    Dim sheet As Worksheet, found As Range
    On Error Resume Next
    For Each sheet In ActiveWorkbook.Worksheets
        If sheet.Name = "Th" & ChrW(244) & "ng tin" Or sheet.Name = "Ki" & ChrW(7875) & "m tra" Then
            Set found = sheet.Columns(1).Find(What:="K" & ChrW(7871) & "t qu" & ChrW(7843) & " x" & ChrW(7917) & _
                " l" & ChrW(253), LookIn:=xlValues, LookAt:=xlWhole)
            If Not found Is Nothing Then
                XLToolsOutcome = CStr(found.Offset(0, 1).Value)
                Exit Function
            End If
        End If
    Next
End Function

' MsgBox cannot show Vietnamese text on every Windows code page; MessageBoxW can.
Private Sub XLToolsShow(message As String)
    Dim icon As Long
    icon = IIf(InStr(message, "L" & ChrW(7895) & "i") > 0, vbExclamation, vbInformation)
#If Mac Then
    MsgBox message, icon, "xltools"
#Else
    MessageBoxW Application.hwnd, StrPtr(message), StrPtr("xltools"), icon
#End If
End Sub
